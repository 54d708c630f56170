import { pool } from "../db/client";
import {
  openCacheSummary,
  userPartitionStateSchema,
  type Partition,
  type SealReason,
  type UserPartitionState,
} from "../liber/ubsp";
import { findUserId } from "../users/profile";
import { requireConfigRef } from "./configs";
import { PARTITION_PAGE_DEFAULT } from "./schemas";
import type { CategoryShare, OpenCacheView, PartitionBehavior, PartitionView, UserPartitions } from "./contract";

/** How the API shows partitions and the open cache (stored or previewed alike). */

const TOP_CATEGORIES = 3;

export function topCategories(histogram: Record<string, number>, n = TOP_CATEGORIES): CategoryShare[] {
  // The first n of the entries sorted by weight (desc), then name: selected in one pass rather
  // than sorting them all (a page of 200 partitions calls this 200 times).
  const before = (a: [string, number], b: [string, number]) => b[1] - a[1] || a[0].localeCompare(b[0]);
  const top: [string, number][] = [];
  let total = 0;
  for (const key in histogram) {
    if (!Object.prototype.hasOwnProperty.call(histogram, key)) continue;
    const entry: [string, number] = [key, histogram[key]!];
    total += entry[1];
    if (top.length === n && before(entry, top[n - 1]!) >= 0) continue;
    let k = top.length < n ? top.length : n - 1;
    while (k > 0 && before(entry, top[k - 1]!) < 0) {
      if (k < n) top[k] = top[k - 1]!;
      k--;
    }
    top[k] = entry;
  }
  if (total <= 0) return [];
  return top.map(([category, w]) => ({ category, share: w / total }));
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
  /** Epoch ms (timestamp(3): exact), formatted here: cheaper than parsing Dates from text. */
  start_ts: number;
  end_ts: number;
  sealed_at_ts: number;
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
export async function getUserPartitions(
  externalId: string,
  configReference = "active",
  window: { fromSeq?: number; limit?: number; from?: string; to?: string } = {},
): Promise<UserPartitions | null> {
  // Side by side (one round trip less per call), but an unknown config is still the first answer.
  const user = findUserId(externalId);
  user.catch(() => {}); // awaited below, after the config
  const config = await requireConfigRef(configReference);
  const userId = await user;
  if (userId === null) return null;
  const fromSeq = window.fromSeq ?? 0;
  const limit = window.limit ?? PARTITION_PAGE_DEFAULT;
  const [partitions, state, overview] = await Promise.all([
    // One more than the page, to know whether another follows.
    pool().query<PartitionRow>(
      `SELECT seq, first_behavior_id::float8 AS first_behavior_id, last_behavior_id::float8 AS last_behavior_id,
              (extract(epoch FROM start_ts) * 1000)::float8 AS start_ts, (extract(epoch FROM end_ts) * 1000)::float8 AS end_ts,
              (extract(epoch FROM sealed_at_ts) * 1000)::float8 AS sealed_at_ts,
              count, category_histogram, seal_reason, content_hash, late_count
         FROM partitions
        WHERE user_id = $1 AND config_id = $2 AND seq >= $3
          AND ($5::timestamptz IS NULL OR end_ts >= $5) AND ($6::timestamptz IS NULL OR start_ts <= $6)
        ORDER BY seq LIMIT $4`,
      [userId, config.id, fromSeq, limit + 1, window.from ?? null, window.to ?? null],
    ),
    pool().query<{ state: unknown }>(`SELECT state FROM partition_states WHERE user_id = $1 AND config_id = $2`, [
      userId,
      config.id,
    ]),
    partitionOverview(userId, config.id),
  ]);
  const saved = userPartitionStateSchema.safeParse(state.rows[0]?.state);
  const more = partitions.rows.length > limit;
  const rows = more ? partitions.rows.slice(0, limit) : partitions.rows;
  return {
    config,
    page: {
      total: overview.total,
      fromSeq,
      limit,
      returned: rows.length,
      nextFromSeq: more ? partitions.rows[limit]!.seq : null,
    },
    overview: overview.bins,
    partitions: rows.map((r) => ({
      seq: r.seq,
      firstBehaviorId: r.first_behavior_id,
      lastBehaviorId: r.last_behavior_id,
      startTs: iso(r.start_ts),
      endTs: iso(r.end_ts),
      sealedAtTs: iso(r.sealed_at_ts),
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
  const config = await requireConfigRef(configReference);
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
    `WITH m AS (
       SELECT unnest(behavior_ids) AS id FROM partitions WHERE config_id = $1 AND user_id = $2 AND seq = $3
       UNION ALL
       SELECT unnest(open_behavior_ids) FROM partition_states
        WHERE config_id = $1 AND user_id = $2 AND (state->>'nextSeq')::int = $3)
     SELECT b.id::float8 AS id, b.ts, b.kind, b.value, i.external_id, i.title, i.categories
       FROM m
       JOIN behaviors b ON b.id = m.id AND b.user_id = $2
       JOIN items i ON i.id = b.item_id
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

/** Bins of the overview (see UserPartitions.overview). */
export const OVERVIEW_BINS = 120;

/**
 * A user's partitions in at most OVERVIEW_BINS equal time bins, and how many there are in all.
 * Two narrow columns of every partition (an index-ordered scan) binned here: an aggregate with
 * width_bucket over extract(epoch) (numeric) measured ~200 ms for 1,000 partitions.
 */
async function partitionOverview(
  userId: number,
  configId: number,
): Promise<{ total: number; bins: UserPartitions["overview"] }> {
  const { rows } = await pool().query<[startMs: number, endMs: number, count: number]>({
    text: `SELECT (extract(epoch FROM start_ts) * 1000)::float8, (extract(epoch FROM end_ts) * 1000)::float8, count
             FROM partitions WHERE user_id = $1 AND config_id = $2`,
    values: [userId, configId],
    rowMode: "array",
  });
  if (rows.length === 0) return { total: 0, bins: [] };
  let lo = Infinity;
  let hi = -Infinity;
  for (const [start, end] of rows) {
    if (start < lo) lo = start;
    if (end > hi) hi = end;
  }
  const width = (hi + 1 - lo) / OVERVIEW_BINS;
  const partitions = new Array<number>(OVERVIEW_BINS).fill(0);
  const events = new Array<number>(OVERVIEW_BINS).fill(0);
  for (const [start, , count] of rows) {
    const bin = Math.min(OVERVIEW_BINS - 1, Math.floor((start - lo) / width));
    partitions[bin]!++;
    events[bin]! += count;
  }
  const bins: UserPartitions["overview"] = [];
  for (let k = 0; k < OVERVIEW_BINS; k++) {
    // Equal slices of the user's time span; empty ones are left out.
    if (partitions[k] === 0) continue;
    bins.push({
      startTs: new Date(lo + k * width).toISOString(),
      endTs: new Date(lo + (k + 1) * width).toISOString(),
      partitions: partitions[k]!,
      events: events[k]!,
    });
  }
  return { total: rows.length, bins };
}
