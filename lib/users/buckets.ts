import type { ActivityBucket } from "./contract";

// Calendar buckets in UTC, matching PostgreSQL's date_trunc(unit, ts AT TIME ZONE 'UTC')
// (weeks start on Monday), so series computed in SQL can be filled with zeros here.

const DAY_MS = 86_400_000;

/** More bars than this make an unreadable chart and a heavy answer; auto never gets near it. */
export const MAX_ACTIVITY_BUCKETS = 1500;

/** The start of the bucket holding `date`, as a UTC Date. */
export function bucketStart(date: Date, unit: ActivityBucket): Date {
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth();
  const d = date.getUTCDate();
  if (unit === "month") return new Date(Date.UTC(y, m, 1));
  const day = new Date(Date.UTC(y, m, d));
  if (unit === "day") return day;
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return new Date(day.getTime() - sinceMonday * DAY_MS);
}

export function nextBucket(start: Date, unit: ActivityBucket): Date {
  if (unit === "month") return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  return new Date(start.getTime() + (unit === "week" ? 7 : 1) * DAY_MS);
}

/** "YYYY-MM-DD" of a bucket start: the key series are joined on. */
export function bucketKey(start: Date): string {
  return start.toISOString().slice(0, 10);
}

/** Every bucket start from the bucket of `from` to the bucket of `to`, both included. */
export function bucketRange(from: Date, to: Date, unit: ActivityBucket): Date[] {
  const out: Date[] = [];
  const last = bucketStart(to, unit).getTime();
  for (let b = bucketStart(from, unit); b.getTime() <= last; b = nextBucket(b, unit)) out.push(b);
  return out;
}

/**
 * The bucket that suits a span of activity: days up to three months, weeks up to two years,
 * months beyond, so a chart shows between a handful and a few hundred bars.
 */
export function chooseBucket(first: Date, last: Date): ActivityBucket {
  const days = (last.getTime() - first.getTime()) / DAY_MS;
  if (days <= 92) return "day";
  if (days <= 731) return "week";
  return "month";
}
