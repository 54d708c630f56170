import { beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/db";
import { pool } from "../db/client";
import { BehaviorLoader } from "../ingest/loader";
import { EventBatch, type BehaviorEvent as LoggedEvent } from "../ingest/records";
import { advance, initialState, type Partition, type UserPartitionState } from "../liber/ubsp";
import { getConfig } from "./configs";
import { EVENT_COLUMNS, readEventsWithCategories } from "./store";
import { insertItems, plain, storedMembers, storedPartitions, storedState, userIdOf } from "./test-helpers";

useTestDatabase();

// The loader hands the rows it COPYed to the ingest hook instead of the hook reading them back
// (advanceHandedBehaviors); when a row went in another way (a unique violation sent a batch
// through the staging merge) the hook reads the transaction's rows back. Either way each user's
// state must advance by exactly the rows the transaction inserted, in (ts, id) order. The
// oracle here reads those rows from the table after the commit and advances in memory.

const DAY = 86_400_000;
const T0 = Date.UTC(2020, 0, 1);

beforeAll(async () => {
  await insertItems(
    Array.from({ length: 6 }, (_, i) => ({ externalId: `h${i}`, categories: [`g${i % 3}`, `k${i % 2}`] })),
  );
});

function event(source: string, user: string, k: number, extra: Partial<LoggedEvent> = {}): LoggedEvent {
  return {
    user,
    item: `h${k % 6}`,
    tsMs: T0 + k * DAY,
    kind: k % 4 === 0 ? "click" : "rate",
    value: k % 4 === 0 ? null : (k % 5) + 0.5,
    text: null,
    source,
    sourceEventId: `${user}:${k}`,
    ...extra,
  };
}

async function load(batches: LoggedEvent[][], before?: (loader: BehaviorLoader) => Promise<void>) {
  const loader = await BehaviorLoader.open(pool(), { unknownItems: "reject", unknownUsers: "create" });
  try {
    await before?.(loader);
    let inserted = 0;
    let duplicates = 0;
    for (const events of batches) {
      const batch = new EventBatch();
      events.forEach((e, line) => batch.add(e, { file: 0, line }));
      const outcome = await loader.loadEvents(batch);
      inserted += outcome.inserted;
      duplicates += outcome.duplicates;
    }
    const { partitions } = await loader.commit();
    return { inserted, duplicates, partitions };
  } catch (err) {
    await loader.rollback();
    throw err;
  }
}

/** The oracle: every user's state advanced in memory by each transaction's rows. */
const oracle = new Map<number, { state: UserPartitionState; sealed: Partition[]; seen: number }>();
let lastId = 0;

async function advanceOracle(): Promise<number> {
  const config = (await getConfig("active"))!.config;
  const users = await readEventsWithCategories(
    pool(),
    `SELECT ${EVENT_COLUMNS}, i.categories FROM behaviors b JOIN items i ON i.id = b.item_id
      WHERE b.id > $1 ORDER BY b.user_id, b.ts, b.id`,
    [lastId],
  );
  let events = 0;
  for (const { userId, events: list } of users) {
    const o = oracle.get(userId) ?? { state: initialState(), sealed: [], seen: 0 };
    const r = advance(config, o.state, list);
    oracle.set(userId, { state: r.state, sealed: [...o.sealed, ...r.sealed], seen: o.seen + list.length });
    for (const e of list) lastId = Math.max(lastId, e.id);
    events += list.length;
  }
  return events;
}

async function expectStoredEqualsOracle() {
  const configId = (await getConfig("active"))!.id;
  for (const [userId, o] of oracle) {
    expect(await storedPartitions(userId, configId), `user ${userId}`).toEqual(plain(o.sealed));
    expect(await storedState(userId, configId), `user ${userId}`).toEqual(
      plain({ state: o.state, eventsSeen: o.seen }),
    );
    // Every behaviour of the user is in exactly one cache.
    const members = [...(await storedMembers(userId, configId)).values()].flat();
    const { rows } = await pool().query<{ n: number }>(`SELECT count(*)::int AS n FROM behaviors WHERE user_id = $1`, [
      userId,
    ]);
    expect(new Set(members).size).toBe(members.length);
    expect(members.length).toBe(rows[0]!.n);
  }
}

describe("the ingest hook fed by the loader's own rows", () => {
  it("advances like reading the rows back: batches out of time order, late events, logged duplicates", async () => {
    // 1. Two users; user a's events split across batches against time order.
    const a = Array.from({ length: 130 }, (_, k) => event("hs", "ha", k));
    const b = Array.from({ length: 70 }, (_, k) => event("hs", "hb", 3 * k));
    const first = await load([
      [...a.filter((_, k) => k % 2 === 1), ...b.slice(0, 30)],
      [...a.filter((_, k) => k % 2 === 0), ...b.slice(30)],
    ]);
    expect(first).toMatchObject({ inserted: 200, duplicates: 0 });
    expect(first.partitions).toMatchObject({ events: 200, replayedUsers: 0 });
    expect(await advanceOracle()).toBe(200);
    await expectStoredEqualsOracle();

    // 2. Events already logged (skipped before the COPY), new ones after the last, and late ones
    // (before what was sealed), and a repeat inside the batch.
    const late = Array.from({ length: 12 }, (_, k) =>
      event("hs", "ha", 1000 + k, { tsMs: T0 + (5 + k) * DAY + 3_600_000 }),
    );
    const next = Array.from({ length: 60 }, (_, k) => event("hs", "hb", 300 + k));
    const second = await load([
      [...a.slice(0, 20), ...late, next[0]!],
      [...next, ...b.slice(60)],
    ]);
    expect(second).toMatchObject({ inserted: 72, duplicates: 20 + 1 + 10 });
    expect(second.partitions).toMatchObject({ events: 72, replayedUsers: 0 });
    expect(await advanceOracle()).toBe(72);
    await expectStoredEqualsOracle();
    const ha = await userIdOf("ha");
    expect(
      oracle.get(ha)!.state.cache.lateCount + oracle.get(ha)!.sealed.reduce((n, p) => n + p.lateCount, 0),
    ).toBeGreaterThan(0);
  });

  it("falls back to reading the rows back when a batch collides in the unique index", async () => {
    // A new source (no events when the import starts, so no lookup before the COPY): the second
    // batch repeats one event of the first, the COPY stops and that batch goes through the merge.
    const c = Array.from({ length: 90 }, (_, k) => event("hs2", "hc", k));
    const result = await load([c.slice(0, 50), [c[10]!, ...c.slice(50)], [event("hs2", "hd", 7)]]);
    expect(result).toMatchObject({ inserted: 91, duplicates: 1 });
    expect(result.partitions).toMatchObject({ events: 91, replayedUsers: 0 });
    expect(await advanceOracle()).toBe(91);
    await expectStoredEqualsOracle();
  });

  it("uses the categories the transaction itself gave its items (created, changed, labelled)", async () => {
    // h0's events are resolved (categories read) before the import changes them; hn* are new.
    const warm = await load([[event("hs3", "he", 0)]]);
    expect(warm).toMatchObject({ inserted: 1 });
    expect(await advanceOracle()).toBe(1);
    const events = Array.from({ length: 80 }, (_, k) =>
      event("hs3", k % 2 ? "he" : "hf", k + 1, { item: k % 3 === 0 ? "h0" : `hn${k % 4}` }),
    );
    const result = await load([events.slice(0, 40), events.slice(40)], async (loader) => {
      await loader.upsertItems([
        { externalId: "h0", title: "h0 again", categories: ["changed", "g0"] },
        ...[0, 1, 2, 3].map((n) => ({ externalId: `hn${n}`, title: `new ${n}`, categories: [`n${n % 2}`, "new"] })),
      ]);
      await loader.setItemLabels([{ externalId: "hn1", tags: ["tags only"] }]);
    });
    expect(result).toMatchObject({ inserted: 80, duplicates: 0 });
    expect(await advanceOracle()).toBe(80);
    await expectStoredEqualsOracle();
  });
});
