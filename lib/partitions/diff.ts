import { pool } from "../db/client";
import { configChanges, requireConfig } from "./configs";
import type { ConfigDiff } from "./contract";

/**
 * Two config versions side by side: the rules that differ, and their stored partitions compared
 * by content hash across all users, with the semantics of diffPartitions (lib/liber/ubsp.ts):
 * shared = partitions of b whose hash a also has (their summaries can be reused), onlyInB = the
 * rest of b (what switching to b would have to summarise), onlyInA = hashes of a that b lacks.
 * Counted in the database, so it scales with the partitions table, not with memory.
 */
export async function diffConfigs(aRef: string | number, bRef: string | number): Promise<ConfigDiff> {
  const [a, b] = await Promise.all([requireConfig(aRef), requireConfig(bRef)]);
  const { rows } = await pool().query<{ shared: number; in_b: number; only_in_a: number }>(
    `WITH a AS (SELECT DISTINCT content_hash AS h FROM partitions WHERE config_id = $1),
          b AS (SELECT content_hash AS h FROM partitions WHERE config_id = $2)
     SELECT (SELECT count(*) FROM b WHERE h IN (SELECT h FROM a))::int AS shared,
            (SELECT count(*) FROM b)::int AS in_b,
            (SELECT count(*) FROM a WHERE h NOT IN (SELECT h FROM b))::int AS only_in_a`,
    [a.id, b.id],
  );
  const r = rows[0]!;
  return {
    a,
    b,
    changes: configChanges(a.config, b.config),
    partitions: { shared: r.shared, onlyInA: r.only_in_a, onlyInB: r.in_b - r.shared },
  };
}
