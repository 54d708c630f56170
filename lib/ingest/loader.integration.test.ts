import pg from "pg";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { useTestDatabase } from "../../test/db";
import { pool } from "../db/client";
import { BehaviorLoader, type LoaderPolicy } from "./loader";
import { EventBatch, type BehaviorEvent } from "./records";

useTestDatabase();

beforeAll(async () => {
  await pool().query(
    `INSERT INTO items (external_id, title) SELECT 'i' || g, 'Item ' || g FROM generate_series(1, 5) g`,
  );
});

/** Events of `source`; user names are made unique per source ("a" -> "<source>/a"). */
function batchOf(source: string, events: Partial<BehaviorEvent>[]): EventBatch {
  const batch = new EventBatch();
  events.forEach((e, i) =>
    batch.add(
      {
        item: "i1",
        tsMs: 1_000_000 + i,
        kind: "click",
        value: null,
        text: null,
        source,
        sourceEventId: `e${i}`,
        ...e,
        user: `${source}/${e.user ?? "u1"}`,
      },
      { file: 0, line: i + 2 },
    ),
  );
  return batch;
}

const counters = async (source: string) =>
  (
    await pool().query(
      `SELECT u.external_id, u.event_count, u.first_event_at, u.last_event_at,
              (SELECT count(*)::int FROM behaviors b WHERE b.user_id = u.id AND b.source = $1) AS logged
         FROM users u WHERE EXISTS (SELECT 1 FROM behaviors b WHERE b.user_id = u.id AND b.source = $1)
        ORDER BY u.external_id`,
      [source],
    )
  ).rows;

// Every way of writing must give the same result: COPY or staging table, set-based or per-row FK checks.
const POLICIES: [string, Partial<LoaderPolicy>][] = [
  ["copy, set-based FK checks", {}],
  ["copy, per-row FK triggers", { setBasedForeignKeys: false }],
  // POST /api/behaviors: no question before the COPY; a repeat goes through the staging merge.
  ["copy, optimistic about duplicates", { optimisticDuplicates: true }],
  ["staging table, set-based", { directCopy: false }],
  ["staging table, per-row FK triggers", { directCopy: false, setBasedForeignKeys: false }],
];

describe.each(POLICIES)("BehaviorLoader (%s)", (name, extra) => {
  const source = `src-${name.replace(/[^a-z]+/g, "-")}`;
  const policy: LoaderPolicy = { unknownItems: "reject", unknownUsers: "create", ...extra };

  it("inserts, rejects unknown items, counts duplicates and keeps the counters right", async () => {
    const loader = await BehaviorLoader.open(pool(), policy);
    if (extra.setBasedForeignKeys === false) expect(loader.setBasedForeignKeys).toBe(false);
    const first = await loader.loadEvents(
      batchOf(source, [
        { user: "a", tsMs: 5000 },
        { user: "a", tsMs: 1000, item: "i2" },
        { user: "b", tsMs: 3000, item: "nope" },
        { user: "b", tsMs: 3000 },
        { user: "a", tsMs: 9000, sourceEventId: "e0" }, // repeats e0 within the batch
      ]),
      { write: true },
    );
    await loader.commit();
    expect(first).toMatchObject({ inserted: 3, duplicates: 1, usersCreated: 2, itemsCreated: 0 });
    expect(first.rejected).toEqual([{ file: 0, line: 4, reason: 'unknown item "nope"' }]);

    const again = await BehaviorLoader.open(pool(), policy);
    const second = await again.loadEvents(
      batchOf(source, [
        { user: "a", tsMs: 5000 },
        { user: "a", tsMs: 7000, sourceEventId: "new" },
      ]),
      { write: true },
    );
    await again.commit();
    expect(second).toMatchObject({ inserted: 1, duplicates: 1, usersCreated: 0 });
    expect(await counters(source)).toEqual([
      {
        external_id: `${source}/a`,
        event_count: 3,
        first_event_at: new Date(1000),
        last_event_at: new Date(7000),
        logged: 3,
      },
      {
        external_id: `${source}/b`,
        event_count: 1,
        first_event_at: new Date(3000),
        last_event_at: new Date(3000),
        logged: 1,
      },
    ]);
  });

  it("writes nothing for a rolled-back load, and nothing with write: false", async () => {
    const loader = await BehaviorLoader.open(pool(), policy);
    await loader.loadEvents(batchOf(`${source}-x`, [{ user: "z1" }]), { write: true });
    await loader.rollback();
    const checkOnly = await BehaviorLoader.open(pool(), policy);
    const outcome = await checkOnly.loadEvents(batchOf(`${source}-x`, [{ user: "z2" }, { item: "nope" }]), {
      write: false,
    });
    await checkOnly.commit();
    expect(outcome.inserted).toBe(0);
    expect(outcome.rejected).toHaveLength(1);
    expect(
      (await pool().query(`SELECT count(*)::int AS n FROM behaviors WHERE source = $1`, [`${source}-x`])).rows[0].n,
    ).toBe(0);
    expect(
      (await pool().query(`SELECT count(*)::int AS n FROM users WHERE external_id = $1`, [`${source}-x/z1`])).rows[0].n,
    ).toBe(0);
  });

  it("when a concurrent writer logs the same events first, counts them as duplicates", async () => {
    const raced = `${source}-race`;
    const a = await BehaviorLoader.open(pool(), policy);
    await a.loadEvents(batchOf(raced, [{ user: "r" }, { user: "r", tsMs: 2 }]), { write: true });
    const b = await BehaviorLoader.open(pool(), policy);
    // b waits on a's uncommitted rows in the unique index, then meets them once a commits.
    const pending = b.loadEvents(
      batchOf(raced, [{ user: "r" }, { user: "r", tsMs: 2 }, { user: "r", sourceEventId: "only-b" }]),
      { write: true },
    );
    await new Promise((r) => setTimeout(r, 300));
    await a.commit();
    const outcome = await pending;
    await b.commit();
    expect(outcome).toMatchObject({ inserted: 1, duplicates: 2 });
    expect(await counters(raced)).toEqual([
      {
        external_id: `${raced}/r`,
        event_count: 3,
        first_event_at: new Date(2),
        last_event_at: new Date(1_000_002),
        logged: 3,
      },
    ]);
  });
});

describe("BehaviorLoader with unknown users rejected", () => {
  it("reports them by line and creates nothing", async () => {
    const loader = await BehaviorLoader.open(pool(), { unknownItems: "reject", unknownUsers: "reject" });
    const outcome = await loader.loadEvents(batchOf("strict-users", [{ user: "ghost" }]), { write: true });
    await loader.commit();
    expect(outcome).toMatchObject({
      inserted: 0,
      rejected: [{ file: 0, line: 2, reason: 'unknown user "strict-users/ghost"' }],
    });
  });
});

describe("BehaviorLoader and deletions during an import", () => {
  it("refuses to write a batch whose cached item was deleted meanwhile (the COPY runs without triggers)", async () => {
    await pool().query(`INSERT INTO items (external_id, title) VALUES ('doomed', 'Doomed')`);
    const loader = await BehaviorLoader.open(pool(), { unknownItems: "reject", unknownUsers: "create" });
    try {
      // A check-only pass resolves (and caches) the item without locking it...
      await loader.loadEvents(batchOf("deleted-item", [{ item: "doomed" }]), { write: false });
      // ...another session deletes it...
      await pool().query(`DELETE FROM items WHERE external_id = 'doomed'`);
      // ...and the write notices instead of logging an event that points nowhere.
      await expect(loader.loadEvents(batchOf("deleted-item", [{ item: "doomed" }]))).rejects.toThrow(
        /an item of this batch was deleted/,
      );
    } finally {
      await loader.rollback();
    }
    expect(
      (await pool().query(`SELECT count(*)::int AS n FROM behaviors WHERE source = 'deleted-item'`)).rows[0],
    ).toEqual({
      n: 0,
    });
  });
});

describe("BehaviorLoader.upsertItems", () => {
  const itemRows = async (prefix: string) =>
    (
      await pool().query(
        `SELECT external_id, title, categories, tags, attributes FROM items WHERE external_id LIKE $1 ORDER BY external_id`,
        [`${prefix}%`],
      )
    ).rows;

  it("COPYs new items and updates existing ones, like the general statement does", async () => {
    const records = (prefix: string) => [
      { externalId: `${prefix}old`, title: "Old, renamed", categories: ["Drama"], attributes: { year: 1999 } },
      { externalId: `${prefix}new`, title: "New\ttab \\ back", categories: ["A", 'B "q"'], tags: ["t,1"] },
      { externalId: `${prefix}bare`, title: "Bare" },
    ];
    for (const prefix of ["fast-", "general-"]) {
      await pool().query(
        `INSERT INTO items (external_id, title, tags, attributes) VALUES ($1, 'Old', '{kept}', '{"a": 1}')`,
        [`${prefix}old`],
      );
    }
    const loader = await BehaviorLoader.open(pool(), { unknownItems: "reject", unknownUsers: "create" });
    const fast = await loader.upsertItems(records("fast-"));
    // The same id twice takes the general statement (which record wins is the database's choice).
    const general = await loader.upsertItems([...records("general-"), records("general-")[2]!]);
    await loader.commit();
    expect(fast).toEqual({ created: 2, updated: 1 });
    expect(general).toEqual({ created: 2, updated: 1 });
    const strip = (rows: { external_id: string }[], prefix: string) =>
      rows.map((r) => ({ ...r, external_id: r.external_id.slice(prefix.length) }));
    const fastRows = await itemRows("fast-");
    expect(strip(fastRows, "fast-")).toEqual(strip(await itemRows("general-"), "general-"));
    expect(fastRows).toContainEqual({
      external_id: "fast-new",
      title: "New\ttab \\ back",
      categories: ["A", 'B "q"'],
      tags: ["t,1"],
      attributes: {},
    });
    expect(fastRows).toContainEqual({
      external_id: "fast-old",
      title: "Old, renamed",
      categories: ["Drama"],
      tags: ["kept"],
      attributes: { a: 1, year: 1999 },
    });
  });

  it("when a concurrent writer creates one of the same items first, takes its id instead of failing", async () => {
    const other = await pool().connect();
    try {
      await other.query(`BEGIN; INSERT INTO items (external_id, title) VALUES ('race-item', 'Theirs')`);
      const loader = await BehaviorLoader.open(pool(), { unknownItems: "reject", unknownUsers: "create" });
      // The COPY waits on the other transaction's row in the unique index, then meets it.
      const pending = loader.upsertItems([
        { externalId: "race-item", title: "Ours" },
        { externalId: "race-only-ours", title: "Only ours" },
      ]);
      await new Promise((r) => setTimeout(r, 300));
      await other.query("COMMIT");
      const outcome = await pending;
      const events = await loader.loadEvents(
        batchOf("race-items", [{ item: "race-item" }, { item: "race-only-ours", sourceEventId: "x" }]),
      );
      await loader.commit();
      expect(outcome.created).toBe(1);
      expect(events).toMatchObject({ inserted: 2, rejected: [] });
      expect(await itemRows("race-")).toEqual([
        { external_id: "race-item", title: "Ours", categories: [], tags: [], attributes: {} },
        { external_id: "race-only-ours", title: "Only ours", categories: [], tags: [], attributes: {} },
      ]);
    } finally {
      other.release();
    }
  });
});

describe("BehaviorLoader and the question which events are logged", () => {
  it("after a small first batch of a new source, larger batches still skip it", async () => {
    // A batch of up to 5,000 events asks which of its events are logged; it must also learn
    // that the source had none, or the next batches (seeing the first one's own rows) would
    // each send all their source event ids to be looked up.
    const sent: string[] = [];
    const realQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
    const spy = vi.spyOn(pg.Client.prototype, "query").mockImplementation(function (
      this: pg.Client,
      ...args: unknown[]
    ) {
      const q = args[0];
      sent.push(typeof q === "string" ? q : ((q as { text?: string } | undefined)?.text ?? ""));
      return realQuery.apply(this, args);
    } as never);
    const loader = await BehaviorLoader.open(pool(), { unknownItems: "reject", unknownUsers: "create" });
    try {
      const sizes = [100, 6_000, 6_000];
      let offset = 0;
      for (const size of sizes) {
        const events = Array.from({ length: size }, (_, k) => ({ user: `u${k % 7}`, sourceEventId: `e${offset + k}` }));
        offset += size;
        const outcome = await loader.loadEvents(batchOf("ask-once", events));
        expect(outcome).toMatchObject({ inserted: size, duplicates: 0 });
      }
      await loader.commit();
    } finally {
      spy.mockRestore();
    }
    expect(sent.filter((sql) => sql.includes("source_event_id = ANY(")).length).toBe(1);
    const { rows } = await pool().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM behaviors WHERE source = 'ask-once'`,
    );
    expect(rows[0]!.n).toBe(12_100);
  });
});
