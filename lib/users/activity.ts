import { unprocessable } from "../api/errors";
import { pool } from "../db/client";
import { bucketKey, bucketRange, chooseBucket, MAX_ACTIVITY_BUCKETS } from "./buckets";
import { findUserId } from "./profile";
import type { ActivityQuery } from "./schemas";
import type { ActivityBucket, ActivityPoint, UserActivity } from "./contract";

/** The kind whose value is a rating (MovieLens stars); its mean is charted per bucket. */
const RATING_KIND = "rating";

/**
 * A user's events over time, per day, week or month (chosen from the span when `auto`), with
 * a breakdown by kind and the mean rating; empty buckets are included as zeros so the chart's
 * time axis is even. Null for an unknown external id.
 */
export async function getUserActivity(externalId: string, query: ActivityQuery): Promise<UserActivity | null> {
  const userId = await findUserId(externalId);
  if (userId === null) return null;
  const bounds = await pool().query<{ first: Date | null; last: Date | null }>(
    `SELECT min(ts) AS first, max(ts) AS last FROM behaviors WHERE user_id = $1`,
    [userId],
  );
  const { first, last } = bounds.rows[0]!;
  if (!first || !last) return { bucket: query.bucket === "auto" ? "month" : query.bucket, kinds: [], points: [] };
  const bucket: ActivityBucket = query.bucket === "auto" ? chooseBucket(first, last) : query.bucket;
  const starts = bucketRange(first, last, bucket);
  if (starts.length > MAX_ACTIVITY_BUCKETS) {
    throw unprocessable(
      `Per ${bucket}, this user's activity would need ${starts.length} bars (at most ${MAX_ACTIVITY_BUCKETS}): choose a longer bucket.`,
    );
  }

  // bucket is one of three fixed words (zod enum), passed as a parameter anyway.
  const { rows } = await pool().query<{
    bucket: string;
    kind: string;
    n: number;
    rating_sum: number | null;
    rating_n: number;
  }>(
    `SELECT to_char(bucket, 'YYYY-MM-DD') AS bucket, kind, n, rating_sum, rating_n
       FROM (SELECT date_trunc($2, ts AT TIME ZONE 'UTC') AS bucket, kind,
                    count(*)::int AS n,
                    sum(value) FILTER (WHERE kind = $3) AS rating_sum,
                    count(value) FILTER (WHERE kind = $3)::int AS rating_n
               FROM behaviors
              WHERE user_id = $1
              GROUP BY 1, 2) grouped`,
    [userId, bucket, RATING_KIND],
  );

  const perBucket = new Map<
    string,
    { byKind: Record<string, number>; total: number; ratingSum: number; ratingN: number }
  >();
  const kindTotals = new Map<string, number>();
  for (const r of rows) {
    let b = perBucket.get(r.bucket);
    if (!b) perBucket.set(r.bucket, (b = { byKind: {}, total: 0, ratingSum: 0, ratingN: 0 }));
    b.byKind[r.kind] = r.n;
    b.total += r.n;
    b.ratingSum += r.rating_sum ?? 0;
    b.ratingN += r.rating_n;
    kindTotals.set(r.kind, (kindTotals.get(r.kind) ?? 0) + r.n);
  }
  const points: ActivityPoint[] = starts.map((start) => {
    const b = perBucket.get(bucketKey(start));
    return {
      start: start.toISOString(),
      total: b?.total ?? 0,
      byKind: b?.byKind ?? {},
      meanRating: b && b.ratingN > 0 ? b.ratingSum / b.ratingN : null,
    };
  });
  const kinds = [...kindTotals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k]) => k);
  return { bucket, kinds, points };
}
