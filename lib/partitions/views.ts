import { pool } from "../db/client";
import { openCacheSummary, userPartitionStateSchema, type Partition, type SealReason, type UserPartitionState } from "../liber/ubsp";
import { findUserId } from "../users/profile";
import { configRef, requireConfig } from "./configs";
import type { CategoryShare, OpenCacheView, PartitionBehavior, PartitionView, UserPartitions } from "./contract";

/** How the API shows partitions and the open cache (stored or previewed alike). */

const TOP_CATEGORIES = 3;

export function topCategories(histogram: Record<string, number>, n = TOP_CATEGORIES): CategoryShare[] {
  const entries = Object.entries(histogram);
  let total = 0;
  for (const [, w] of entries) total += w;
  if (total <= 0) return [];
  return entries
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, n)
    .map(([category, w]) => ({ category, share: w / total }));
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A partition from the partitioner (epoch ms) as the API shows it. */
export function partitionView(p: Partition): PartitionView {
  // A plain object: the partitioner's histograms have no prototype, which JSON does not mind but callers might.
  const categoryHistogram = { ...p.categoryHistogram };
  return {
    seq: p.seq,
    firstBehaviorId: p.firstBehaviorId,
    lastBehaviorId: p.lastBehaviorId,
    startTs: iso(p.startTs),
    endTs: iso(p.endTs),
    sealedAtTs: iso(p.sealedAtTs),
    count: p.count,
    categoryHistogram,
    topCategories: topCategories(categoryHistogram),
    sealReason: p.sealReason,
    contentHash: p.contentHash,
    lateCount: p.lateCount,
  };
}

/** The open cache of a state, or null when it is empty. */
export function openCacheView(state: UserPartitionState): OpenCacheView | null {
  const open = openCacheSummary(state);
  if (open.count === 0) return null;
  return {
    seq: open.nextSeq,
    count: open.count,
    startTs: open.startTs === null ? null : iso(open.startTs),
    endTs: open.endTs === null ? null : iso(open.endTs),
    categoryHistogram: { ...open.histogram },
    lateCount: open.lateCount,
  };
}

interface PartitionRow {
  seq: number;
  first_behavior_id: number;
  last_behavior_id: number;
  start_ts: Date;
  end_ts: Date;
  sealed_at_ts: Date;
  count: number;
  category_histogram: Record<string, number>;
  seal_reason: SealReason;
  content_hash: string;
  late_count: number;
}

/**
 * A user's stored partitions and open cache under a config version (default the active one).
 * Null for an unknown user; an unknown version is a 404.
 */
export async function getUserPartitions(externalId: string, configReference = "active"): Promise<UserPartitions | null> {
  const config = await requireConfig(configReference);
  const userId = await findUserId(externalId);
  if (userId === null) return null;
  const [partitions, state] = await Promise.all([
    pool().query<PartitionRow>(
      `SELECT seq, first_behavior_id::float8 AS first_behavior_id, last_behavior_id::float8 AS last_behavior_id,
              start_ts, end_ts, sealed_at_ts, count, category_histogram, seal_reason, content_hash, late_count
         FROM partitions WHERE user_id = $1 AND config_id = $2 ORDER BY seq`,
      [userId, config.id],
    ),
    pool().query<{ state: unknown }>(`SELECT state FROM partition_states WHERE user_id = $1 AND config_id = $2`, [userId, config.id]),
  ]);
  const saved = userPartitionStateSchema.safeParse(state.rows[0]?.state);
  return {
    config: configRef(config),
    partitions: partitions.rows.map((r) => ({
      seq: r.seq,
      firstBehaviorId: r.first_behavior_id,
      lastBehaviorId: r.last_behavior_id,
      startTs: r.start_ts.toISOString(),
      endTs: r.end_ts.toISOString(),
      sealedAtTs: r.sealed_at_ts.toISOString(),
      count: r.count,
      categoryHistogram: r.category_histogram,
      topCategories: topCategories(r.category_histogram),
      sealReason: r.seal_reason,
      contentHash: r.content_hash,
      lateCount: r.late_count,
    })),
    openCache: saved.success ? openCacheView(saved.data) : null,
  };
}

/**
 * The behaviours of one partition (or of the open cache, by its seq), in (ts, id) order. Null
 * for an unknown user; an unknown version is a 404; an unknown seq gives an empty list.
 */
export async function getPartitionBehaviors(
  externalId: string,
  seq: number,
  configReference = "active",
): Promise<{ behaviors: PartitionBehavior[] } | null> {
  const config = await requireConfig(configReference);
  const userId = await findUserId(externalId);
  if (userId === null) return null;
  const { rows } = await pool().query<{
    id: number;
    ts: Date;
    kind: string;
    value: number | null;
    external_id: string;
    title: string;
    categories: string[];
  }>(
    `SELECT b.id::float8 AS id, b.ts, b.kind, b.value, i.external_id, i.title, i.categories
       FROM partition_members m
       JOIN behaviors b ON b.id = m.behavior_id AND b.user_id = m.user_id
       JOIN items i ON i.id = b.item_id
      WHERE m.config_id = $1 AND m.user_id = $2 AND m.seq = $3
      ORDER BY b.ts, b.id`,
    [config.id, userId, seq],
  );
  return {
    behaviors: rows.map((r) => ({
      id: r.id,
      ts: r.ts.toISOString(),
      kind: r.kind,
      value: r.value,
      item: { externalId: r.external_id, title: r.title, categories: r.categories },
    })),
  };
}
