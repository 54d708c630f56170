import { OTHER_CATEGORY } from "./category-colours";

// Category shares of partitions. A partition's histogram counts, per category, the events
// tagged with it (a film with three genres counts in three categories), so a share is the
// category's part of the histogram's total mass: the shares of one partition add up to 1.

export type Histogram = Readonly<Record<string, number>>;

export interface CategoryShare {
  category: string;
  share: number;
}

function massOf(h: Histogram): number {
  let mass = 0;
  for (const v of Object.values(h)) if (v > 0) mass += v;
  return mass;
}

/** Every category of the histogram with its share, largest first (ties by name, for stability). */
export function histogramShares(h: Histogram): CategoryShare[] {
  const mass = massOf(h);
  if (mass === 0) return [];
  return Object.entries(h)
    .filter(([, v]) => v > 0)
    .map(([category, v]) => ({ category, share: v / mass }))
    .sort((x, y) => y.share - x.share || (x.category < y.category ? -1 : x.category > y.category ? 1 : 0));
}

/** The category with the largest share, or null for an empty histogram. */
export function dominantCategory(h: Histogram): string | null {
  return histogramShares(h)[0]?.category ?? null;
}

/**
 * The categories that matter most over a sequence of partitions: ranked by the sum of their
 * shares, so every partition weighs the same whatever its size (the chart shows shares).
 */
export function leadingCategories(histograms: readonly Histogram[], limit: number): string[] {
  const total = new Map<string, number>();
  for (const h of histograms) {
    for (const { category, share } of histogramShares(h)) total.set(category, (total.get(category) ?? 0) + share);
  }
  return [...total.entries()]
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
    .slice(0, limit)
    .map(([category]) => category);
}

export interface ShareSeries {
  /** The series in stacking order: the leading categories, then OTHER_CATEGORY if any mass is left. */
  categories: string[];
  /** One row per partition; values[i] is the share (0..1) of categories[i]. */
  rows: { values: number[] }[];
}

/**
 * Shares of the `limit` leading categories per partition, the rest summed into "Other".
 * Each row adds up to 1 (or 0 for a partition without categories).
 */
export function shareSeries(histograms: readonly Histogram[], limit = 8): ShareSeries {
  const leading = leadingCategories(histograms, limit);
  const index = new Map(leading.map((c, i) => [c, i]));
  let anyOther = false;
  const rows = histograms.map((h) => {
    const values = new Array<number>(leading.length + 1).fill(0);
    for (const { category, share } of histogramShares(h)) {
      const i = index.get(category);
      if (i === undefined) {
        values[leading.length] = values[leading.length]! + share;
        anyOther = true;
      } else values[i] = share;
    }
    return { values };
  });
  if (!anyOther) for (const r of rows) r.values.pop();
  return { categories: anyOther ? [...leading, OTHER_CATEGORY] : leading, rows };
}

/** "Drama 40%" (whole percents; "<1%" rather than a misleading "0%"). */
export function formatShare(share: number): string {
  const pct = share * 100;
  if (pct > 0 && pct < 1) return "<1%";
  return `${Math.round(pct)}%`;
}
