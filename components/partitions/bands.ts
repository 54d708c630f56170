import type { SealReason } from "@/lib/liber/ubsp";
import type { OpenCacheView, PartitionView, UserPartitions } from "@/lib/partitions/api-client";
import { formatShare, histogramShares, type CategoryShare, type Histogram } from "./category-shares";

// What the timeline draws: the partitions API's partitions and open cache (stored, or a
// what-if preview: same shape) as bands with epoch-ms times and their category shares.

export interface TimelineBand {
  /** The partition's seq; for the open cache, the seq it will get when sealed. */
  seq: number;
  open: boolean;
  start: number;
  end: number;
  /** When the seal became known (null for the open cache). */
  sealedAt: number | null;
  count: number;
  histogram: Histogram;
  /** Largest shares first. */
  top: CategoryShare[];
  dominant: string | null;
  sealReason: SealReason | null;
  lateCount: number;
}

const TOP_SHOWN = 3;

/**
 * Shares are computed from the histogram, the same way as in the share chart, so a band's
 * tooltip and the chart always agree; the API's own top list is used only without a histogram.
 */
function band(fields: Omit<TimelineBand, "top" | "dominant">, fallbackTop?: CategoryShare[]): TimelineBand {
  const computed = histogramShares(fields.histogram);
  const shares = computed.length > 0 ? computed : (fallbackTop ?? []);
  return { ...fields, top: shares.slice(0, TOP_SHOWN), dominant: shares[0]?.category ?? null };
}

const ms = (iso: string) => Date.parse(iso);

export function bandFromStored(p: PartitionView): TimelineBand {
  return band(
    {
      seq: p.seq,
      open: false,
      start: ms(p.startTs),
      end: ms(p.endTs),
      sealedAt: ms(p.sealedAtTs),
      count: p.count,
      histogram: p.categoryHistogram,
      sealReason: p.sealReason,
      lateCount: p.lateCount,
    },
    p.topCategories,
  );
}

export function openBandFromStored(c: OpenCacheView): TimelineBand | null {
  if (c.count === 0 || !c.startTs || !c.endTs) return null;
  return band({
    seq: c.seq,
    open: true,
    start: ms(c.startTs),
    end: ms(c.endTs),
    sealedAt: null,
    count: c.count,
    histogram: c.categoryHistogram,
    sealReason: null,
    lateCount: c.lateCount,
  });
}

/** The bands of a partitioning (stored or previewed), the open cache (if it holds events) last. */
export function bandsFromUserPartitions(data: Pick<UserPartitions, "partitions" | "openCache">): TimelineBand[] {
  const bands = data.partitions.map(bandFromStored);
  const open = data.openCache ? openBandFromStored(data.openCache) : null;
  return open ? [...bands, open] : bands;
}

const day = (t: number) => new Date(t).toISOString().slice(0, 10);

/** "2001-03-04 – 2001-05-06", or one date for a band within a day. */
export function bandDates(b: Pick<TimelineBand, "start" | "end">): string {
  const from = day(b.start);
  const to = day(b.end);
  return from === to ? from : `${from} – ${to}`;
}

/** Partitions are numbered from 1 on screen; seq (from 0) is the API's. */
export function bandTitle(b: Pick<TimelineBand, "seq" | "open">): string {
  return b.open ? "Open cache" : `Partition ${b.seq + 1}`;
}

/** The accessible name of a band: "Partition 3: 50 events, 2001-03-04 – 2001-05-06, Drama 40%". */
export function bandLabel(b: TimelineBand): string {
  const events = `${b.count} event${b.count === 1 ? "" : "s"}`;
  const top = b.top[0] ? `, ${b.top[0].category} ${formatShare(b.top[0].share)}` : "";
  return `${bandTitle(b)}: ${events}, ${bandDates(b)}${top}${b.open ? ", not sealed yet" : ""}`;
}

export const SEAL_REASONS: Record<SealReason, string> = {
  count: "reached the maximum count (K)",
  gap: "a time gap followed",
  span: "reached the maximum span",
  drift: "interests drifted",
};

/** How many sealed bands each category dominates, most first (ties by name). */
export function dominantCounts(bands: readonly TimelineBand[]): { category: string | null; count: number }[] {
  const counts = new Map<string | null, number>();
  for (const b of bands) if (!b.open) counts.set(b.dominant, (counts.get(b.dominant) ?? 0) + 1);
  return [...counts.entries()]
    .map(([category, count]) => ({ category, count }))
    .sort((x, y) => y.count - x.count || String(x.category).localeCompare(String(y.category)));
}
