import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/db";
import { importMovieLens } from "../datasets/movielens";
import { pool } from "../db/client";
import { contentHashOfIds, replay } from "../liber/ubsp";
import { getConfig } from "./configs";
import { ensureActivePartitions, recomputePartitions } from "./recompute";
import { ItemCategories, readUserLogs } from "./store";
import { MEMBERS, ML_SMALL, plain } from "./test-helpers";

useTestDatabase();

// The demo data set through the real importer: 100k+ events, so the ingest hook takes its bulk
// path (the loader hands the rows it COPYed to the hook, which writes partitions with COPY).

async function storedByUser(configId: number) {
  const { rows } = await pool().query(
    `SELECT user_id AS "userId", seq, first_behavior_id::float8 AS "firstBehaviorId", last_behavior_id::float8 AS "lastBehaviorId",
            (extract(epoch FROM start_ts) * 1000)::float8 AS "startTs", (extract(epoch FROM end_ts) * 1000)::float8 AS "endTs",
            count, category_histogram AS "categoryHistogram", seal_reason AS "sealReason", content_hash AS "contentHash",
            late_count AS "lateCount", (extract(epoch FROM sealed_at_ts) * 1000)::float8 AS "sealedAtTs"
       FROM partitions WHERE config_id = $1 ORDER BY user_id, seq`,
    [configId],
  );
  const out = new Map<number, unknown[]>();
  for (const { userId, ...p } of rows) out.set(userId, [...(out.get(userId) ?? []), p]);
  return out;
}

async function allLogs() {
  const { rows } = await pool().query<{ id: number }>(`SELECT id FROM users ORDER BY id`);
  return readUserLogs(
    pool(),
    rows.map((r) => r.id),
    new ItemCategories(),
  );
}

describe("importing MovieLens ml-latest-small", () => {
  it(
    "leaves every user's partitions, memberships and state equal to a one-shot replay",
    { timeout: 180_000 },
    async () => {
      const summary = await importMovieLens(ML_SMALL);
      expect(summary.status).toBe("succeeded");
      expect(summary.inserted).toBeGreaterThan(100_000);

      const active = (await getConfig("active"))!;
      expect(active).toMatchObject({ name: "default", version: 1, userCount: 610 });
      const stored = await storedByUser(active.id);
      const logs = await allLogs();
      expect(logs).toHaveLength(610);
      let sealed = 0;
      for (const { userId, events } of logs) {
        const expected = replay(active.config, events);
        expect(stored.get(userId) ?? [], `user ${userId}`).toEqual(plain(expected.sealed));
        sealed += expected.sealed.length;
      }
      expect(active.partitionCount).toBe(sealed);

      // Every behaviour is a member of exactly one cache; each sealed partition's members hash to its content hash.
      const { rows: counts } = await pool().query(
        `SELECT (SELECT count(*) FROM behaviors)::int AS behaviors, (SELECT count(*) FROM ${MEMBERS} m WHERE config_id = $1)::int AS members`,
        [active.id],
      );
      expect(counts[0].members).toBe(counts[0].behaviors);
      const { rows: groups } = await pool().query<{ ids: number[]; hash: string }>(
        `SELECT array_agg(m.behavior_id::float8 ORDER BY b.ts, b.id) AS ids, p.content_hash AS hash
         FROM partitions p JOIN ${MEMBERS} m ON m.config_id = p.config_id AND m.user_id = p.user_id AND m.seq = p.seq
         JOIN behaviors b ON b.id = m.behavior_id
        WHERE p.config_id = $1 GROUP BY p.id, p.content_hash`,
        [active.id],
      );
      expect(groups).toHaveLength(sealed);
      // In-order import: no late events, so arrival order is (ts, id) order.
      for (const g of groups) expect(contentHashOfIds(g.ids)).toBe(g.hash);
    },
  );

  it("importing the same files again changes nothing", { timeout: 120_000 }, async () => {
    const snapshot = async () =>
      (
        await pool().query(
          `SELECT (SELECT count(*) FROM partitions)::int AS partitions, (SELECT count(*) FROM ${MEMBERS} m)::int AS members,
                  (SELECT max(updated_at) FROM partition_states) AS updated`,
        )
      ).rows[0];
    const before = await snapshot();
    const again = await importMovieLens(ML_SMALL);
    expect(again).toMatchObject({ status: "succeeded", inserted: 0 });
    expect(await snapshot()).toEqual(before);
  });

  it("a full recompute of the active version gives the same partitions, in seconds", { timeout: 120_000 }, async () => {
    const active = (await getConfig("active"))!;
    const before = await storedByUser(active.id);
    const summary = await recomputePartitions("active");
    expect(summary).toMatchObject({ configId: active.id, users: 610, partitions: active.partitionCount });
    expect(summary.events).toBeGreaterThan(100_000);
    expect(summary.durationMs).toBeLessThan(30_000); // a few seconds on a quiet machine; generous for CI
    expect(await storedByUser(active.id)).toEqual(before);
    expect(await ensureActivePartitions()).toBeNull(); // already computed: nothing to do
  });

  it(
    "at start, computes the active version when the log has behaviours but no partitions",
    { timeout: 120_000 },
    async () => {
      const active = (await getConfig("active"))!;
      await pool().query(`DELETE FROM partition_states WHERE config_id = $1`, [active.id]);
      await pool().query(`DELETE FROM partitions WHERE config_id = $1`, [active.id]);
      const lines: string[] = [];
      const summary = await ensureActivePartitions((l) => lines.push(l));
      expect(summary).toMatchObject({ users: 610, partitions: active.partitionCount });
      expect(lines.join("\n")).toMatch(/partitions: .* for 610 users/);
      expect((await getConfig("active"))!.userCount).toBe(610);
    },
  );

  it(
    "re-imports after a TRUNCATE ... RESTART IDENTITY: memberships go with the users, reused ids meet nothing stale",
    { timeout: 180_000 },
    async () => {
      // Memberships live in partitions and partition_states rows, which reference their user: the
      // TRUNCATE ... CASCADE takes them along (partition_members rows used to linger).
      await pool().query(`TRUNCATE behaviors, users, items, import_runs RESTART IDENTITY CASCADE`);
      expect((await pool().query(`SELECT count(*)::int AS n FROM ${MEMBERS} m`)).rows[0].n).toBe(0);
      const summary = await importMovieLens(ML_SMALL);
      expect(summary.status).toBe("succeeded");
      const active = (await getConfig("active"))!;
      const { rows } = await pool().query(
        `SELECT count(*)::int AS members, count(*) FILTER (WHERE b.user_id = m.user_id)::int AS matching
         FROM ${MEMBERS} m JOIN behaviors b ON b.id = m.behavior_id WHERE m.config_id = $1`,
        [active.id],
      );
      expect(rows[0]).toEqual({ members: summary.inserted, matching: summary.inserted });
      expect(active).toMatchObject({ userCount: 610 });
    },
  );
});
