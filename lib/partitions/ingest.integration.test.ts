import type pg from "pg";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/db";
import { pool } from "../db/client";
import { mulberry32 } from "../liber/random";
import { contentHashOfIds, replay, type PartitionConfig } from "../liber/ubsp";
import { advanceActivePartitions, advanceInsertedBehaviors, beginPartitionTracking } from "./advance";
import { activateConfig, createConfigVersion, DEFAULT_CONFIG, ensureActiveConfig, getConfig } from "./configs";
import { recomputePartitions } from "./recompute";
import {
  ingest,
  insertItems,
  movieLensSample,
  plain,
  storedMembers,
  storedPartitions,
  storedState,
  MEMBERS,
  userIdOf,
  userLog,
  type TestEvent,
} from "./test-helpers";

useTestDatabase();

const DAY = 86_400_000;

/** Everything stored for a user under a config equals a one-shot replay of their log. */
async function expectStoredEqualsReplay(externalId: string, configId: number, config: PartitionConfig) {
  const userId = await userIdOf(externalId);
  const log = await userLog(userId);
  const oneShot = replay(config, log, { assignments: true });
  expect(await storedPartitions(userId, configId)).toEqual(plain(oneShot.sealed));
  const saved = await storedState(userId, configId);
  expect(saved).toEqual({ state: plain(oneShot.state), eventsSeen: log.length });
  const expected = new Map<number, number[]>();
  log.forEach((e, i) => {
    const seq = oneShot.assignments![i]!;
    expected.set(seq, [...(expected.get(seq) ?? []), e.id]);
  });
  for (const ids of expected.values()) ids.sort((a, b) => a - b);
  expect(await storedMembers(userId, configId)).toEqual(expected);
  return { sealed: oneShot.sealed.length, events: log.length };
}

describe("the ingest hook", () => {
  it("creates default@1 (K = 50, 90-day gap) and labels it active on the first ingest", async () => {
    await insertItems([{ externalId: "x1", categories: ["Drama"] }]);
    await ingest([{ user: "first", item: "x1", ts: Date.UTC(2020, 0, 1) }]);
    const active = await getConfig("active");
    expect(active).toMatchObject({
      name: "default",
      version: 1,
      labels: ["active"],
      config: { maxCount: 50, maxGapMs: 90 * DAY },
    });
    expect(active!.config).toEqual(DEFAULT_CONFIG);
    expect(active!.userCount).toBe(1);
    await expectStoredEqualsReplay("first", active!.id, active!.config);
  });

  it.each([
    { seed: 1, users: ["1", "2", "3", "4"], config: null },
    {
      seed: 7,
      users: ["5", "6", "7", "8", "9"],
      config: { maxCount: 30, minCount: 5, maxGapMs: 30 * DAY, drift: { threshold: 0.35, minSize: 10 } },
    },
  ])(
    "stores exactly what a one-shot replay gives, for MovieLens users ingested in random chunks (seed $seed)",
    { timeout: 120_000 },
    async ({ seed, users, config }) => {
      if (config) await activateConfig((await createConfigVersion({ name: `chunks-${seed}`, config })).id);
      const active = await ensureActiveConfig(pool());
      const { events, items } = movieLensSample(users);
      await insertItems(items);
      const rnd = mulberry32(seed);
      let chunks = 0;
      for (let i = 0; i < events.length; chunks++) {
        const size = 1 + Math.floor(rnd() * (rnd() < 0.3 ? 5 : 120));
        await ingest(events.slice(i, i + size));
        i += size;
      }
      expect(chunks).toBeGreaterThan(5);
      let sealed = 0;
      for (const u of users) sealed += (await expectStoredEqualsReplay(`ml${u}`, active.id, active.config)).sealed;
      expect(sealed).toBeGreaterThan(5);
    },
  );

  it("late events join the open cache, counted, and never rewrite a sealed partition", async () => {
    await activateConfig((await createConfigVersion({ name: "late", config: { maxCount: 3 } })).id);
    const active = await ensureActiveConfig(pool());
    await insertItems([{ externalId: "l1", categories: ["A"] }]);
    const at = (d: number): TestEvent => ({ user: "late", item: "l1", ts: Date.UTC(2021, 0, d) });
    await ingest([at(10), at(11), at(12), at(13)]); // seals seq 0 (10, 11, 12); 13 is open
    const userId = await userIdOf("late");
    const before = await storedPartitions(userId, active.id);
    expect(before).toHaveLength(1);

    const late = await ingest([at(1)]);
    expect(late.accepted).toBe(1);
    expect(await storedPartitions(userId, active.id)).toEqual(before);
    const { state } = (await storedState(userId, active.id))!;
    expect(state.cache).toMatchObject({ count: 2, lateCount: 1 });
    const members = await storedMembers(userId, active.id);
    const ids = (await userLog(userId)).map((e) => e.id); // (ts, id) order: the late one first
    expect(members.get(1)).toEqual([ids[0]!, ids[4]!].sort((a, b) => a - b));

    await ingest([at(14)]); // seals seq 1 = {13, 1 (late), 14}, in arrival order
    const after = await storedPartitions(userId, active.id);
    expect(after.slice(0, 1)).toEqual(before);
    const d14 = (await userLog(userId))[5]!.id;
    expect(after[1]).toMatchObject({
      seq: 1,
      count: 3,
      lateCount: 1,
      contentHash: contentHashOfIds([ids[4]!, ids[0]!, d14]),
    });
  });

  it("re-ingesting duplicates advances nothing", async () => {
    await insertItems([{ externalId: "d1", categories: ["B"] }]);
    const batch: TestEvent[] = [1, 2, 3, 4, 5].map((d) => ({ user: "dup", item: "d1", ts: Date.UTC(2022, 0, d) }));
    await ingest(batch);
    const userId = await userIdOf("dup");
    const snapshot = async () =>
      (
        await pool().query(
          `SELECT (SELECT json_agg(s ORDER BY config_id) FROM partition_states s WHERE user_id = $1) AS states,
                  (SELECT count(*) FROM ${MEMBERS} m WHERE user_id = $1)::int AS members,
                  (SELECT count(*) FROM partitions WHERE user_id = $1)::int AS partitions`,
          [userId],
        )
      ).rows[0];
    const before = await snapshot();
    const again = await ingest(batch);
    expect(again).toMatchObject({ accepted: 0, duplicate: 5 });
    expect(await snapshot()).toEqual(before);
  });

  it("weights rate events by their rating, other kinds by 1", async () => {
    await activateConfig((await createConfigVersion({ name: "weights", config: { maxCount: 3 } })).id);
    const active = await ensureActiveConfig(pool());
    await insertItems([
      { externalId: "w1", categories: ["Comedy", "Drama"] },
      { externalId: "w2", categories: ["Drama"] },
    ]);
    await ingest([
      { user: "weights", item: "w1", ts: Date.UTC(2023, 0, 1), kind: "rate", value: 4.5 },
      { user: "weights", item: "w2", ts: Date.UTC(2023, 0, 2), kind: "rate", value: 2 },
      { user: "weights", item: "w2", ts: Date.UTC(2023, 0, 3), kind: "click", value: 9 },
    ]);
    const [p] = await storedPartitions(await userIdOf("weights"), active.id);
    expect(p!.categoryHistogram).toEqual({ Comedy: 4.5, Drama: 7.5 });
  });

  it("replays a user from the log when their state is behind (a version activated later)", async () => {
    await insertItems([{ externalId: "b1", categories: ["C"] }]);
    const days = Array.from({ length: 12 }, (_, d) => ({ user: "behind", item: "b1", ts: Date.UTC(2019, 0, d + 1) }));
    await ingest(days.slice(0, 8));
    const next = await createConfigVersion({ name: "behind", config: { maxCount: 4 } });
    await activateConfig(next.id);
    const userId = await userIdOf("behind");
    expect(await storedState(userId, next.id)).toBeNull();
    await ingest(days.slice(8)); // the new version has never seen the first 8
    await expectStoredEqualsReplay("behind", next.id, next.config);
    expect((await storedState(userId, next.id))!.eventsSeen).toBe(12);
  });
});

describe("finding the rows an ingest transaction inserted", () => {
  it("takes its own rows (savepoints included), not a concurrent writer's nor rolled-back ones", async () => {
    await insertItems([{ externalId: "t1", categories: ["T"] }]);
    await ingest([
      { user: "mine", item: "t1", ts: Date.UTC(2018, 0, 1) },
      { user: "theirs", item: "t1", ts: Date.UTC(2018, 0, 1) },
    ]);
    const [mine, theirs] = [await userIdOf("mine"), await userIdOf("theirs")];
    const insert = (c: pg.PoolClient, userId: number, day: number) =>
      c.query(
        `INSERT INTO behaviors (user_id, item_id, ts, kind, source, source_event_id)
         SELECT $1::int, id, timestamptz '2018-02-01' + $2::int * interval '1 day', 'click', 'tracking', $1::text || ':' || $2::text
           FROM items WHERE external_id = 't1'`,
        [userId, day],
      );
    const client = await pool().connect();
    try {
      await client.query("BEGIN");
      await beginPartitionTracking(client);
      await insert(client, mine, 1);
      await ingest([{ user: "theirs", item: "t1", ts: Date.UTC(2018, 1, 2) }]); // another transaction, committed meanwhile
      await client.query("SAVEPOINT a");
      await insert(client, mine, 3);
      await client.query("ROLLBACK TO SAVEPOINT a"); // gone
      await client.query("SAVEPOINT b");
      await insert(client, mine, 4);
      await client.query("RELEASE SAVEPOINT b");
      await client.query(`UPDATE users SET event_count = event_count + 2 WHERE id = $1`, [mine]);
      const summary = await advanceInsertedBehaviors(client);
      expect(summary).toMatchObject({ users: 1, events: 2, replayedUsers: 0 });
      expect(await advanceInsertedBehaviors(client)).toMatchObject({ events: 0 }); // not twice
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    const active = await ensureActiveConfig(pool());
    expect((await storedState(mine, active.id))!.eventsSeen).toBe(3);
    expect((await storedState(theirs, active.id))!.eventsSeen).toBe(2);
    await expectStoredEqualsReplay("mine", active.id, active.config);
    await expectStoredEqualsReplay("theirs", active.id, active.config);
  });
});

describe("incremental cost", () => {
  type QueryOutcome = { rows?: unknown[]; rowCount?: number | null } | undefined;

  /** A pg client whose queries add the rows they return (or affect, or copy) to `rows`. */
  function countingClient(client: pg.PoolClient) {
    const counter = { rows: 0, queries: 0 };
    const original = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
    const wrapped = new Proxy(client, {
      get(target, prop, receiver) {
        if (prop !== "query") return Reflect.get(target, prop, receiver);
        return (...args: unknown[]) => {
          counter.queries++;
          const result = original(...args) as Promise<QueryOutcome> | (NodeJS.WritableStream & QueryOutcome);
          if (!("then" in result)) {
            // A COPY ... FROM STDIN stream: its row count is known once it has finished.
            result.once("finish", () => (counter.rows += result.rowCount ?? 0));
            return result;
          }
          return result.then((r) => {
            counter.rows += Math.max(r?.rows?.length ?? 0, r?.rowCount ?? 0);
            return r;
          });
        };
      },
    });
    return { client: wrapped, counter };
  }

  /** A user with `history` events, partitioned (state saved) under the active version. */
  async function userWithHistory(name: string, history: number): Promise<number> {
    await insertItems([{ externalId: "h1", categories: ["Drama", "Comedy"] }]);
    await pool().query(
      `WITH u AS (INSERT INTO users (external_id) VALUES ($1) RETURNING id)
       INSERT INTO behaviors (user_id, item_id, ts, kind, value, source, source_event_id)
       SELECT u.id, (SELECT id FROM items WHERE external_id = 'h1'), timestamptz '2010-01-01' + g * interval '1 hour', 'rate', 4, 'bench', $1 || ':' || g
         FROM u, generate_series(1, $2) g`,
      [name, history],
    );
    await pool().query(`UPDATE users SET event_count = $2 WHERE external_id = $1`, [name, history]);
    const active = await ensureActiveConfig(pool());
    await recomputePartitions(active.id, { users: [name] });
    return userIdOf(name);
  }

  /** Appends one event and advances, counting the rows every query of the advance returns. */
  async function appendOne(userId: number, n: number) {
    const client = await pool().connect();
    try {
      await client.query("BEGIN");
      const { rows } = await client.query<{ id: number }>(
        `INSERT INTO behaviors (user_id, item_id, ts, kind, value, source, source_event_id)
         SELECT $1::int, id, timestamptz '2030-01-01' + $2::int * interval '1 minute', 'rate', 5, 'append', $1::text || ':' || $2::text
           FROM items WHERE external_id = 'h1'
         RETURNING id::float8 AS id`,
        [userId, n],
      );
      await client.query(`UPDATE users SET event_count = event_count + 1 WHERE id = $1`, [userId]);
      const { client: counting, counter } = countingClient(client);
      const summary = await advanceActivePartitions(counting, [rows[0]!.id]);
      await client.query("COMMIT");
      return { ...counter, summary };
    } finally {
      client.release();
    }
  }

  it("appending one event reads O(1) rows, not the history (100 and 10,000 events)", { timeout: 120_000 }, async () => {
    const results: { history: number; rows: number }[] = [];
    for (const history of [100, 10_000]) {
      const userId = await userWithHistory(`hist-${history}`, history);
      for (let i = 0; i < 60; i++) {
        const r = await appendOne(userId, i);
        expect(r.summary).toMatchObject({ users: 1, events: 1, replayedUsers: 0 });
        // config, lock, the event, its item, the state, the user's counter, (a partition), the member, the state
        expect(r.rows, `history ${history}, append ${i}`).toBeLessThanOrEqual(12);
        results.push({ history, rows: r.rows });
      }
    }
    const max = (h: number) => Math.max(...results.filter((r) => r.history === h).map((r) => r.rows));
    expect(max(10_000)).toBe(max(100));
    // And the result is still exactly a replay of the whole log.
    const active = await ensureActiveConfig(pool());
    await expectStoredEqualsReplay("hist-10000", active.id, active.config);
  });
});
