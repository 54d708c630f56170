// Windowing of a user's partitions: the vectors API returns [offset, offset + limit) of
// `total` partitions (oldest first). These are the maths of the pager above the heatmap.

export const WINDOW_SIZES = [50, 100, 200] as const;

export interface PartitionWindow {
  /** First partition shown (0-based seq order). */
  start: number;
  /** One past the last partition shown. */
  end: number;
  total: number;
  /** Offsets of the neighbouring windows, null where there is none. */
  older: number | null;
  newer: number | null;
  first: number | null;
  latest: number | null;
}

/** Offset of the window that ends with the newest partition. */
export function latestOffset(total: number, limit: number): number {
  return Math.max(0, total - limit);
}

/** An offset clamped to a window that exists (a shrunk total or a stale link cannot leave the pager past the end). */
export function clampOffset(offset: number, limit: number, total: number): number {
  if (!Number.isFinite(offset) || offset < 0) return 0;
  return Math.min(Math.floor(offset), latestOffset(total, limit));
}

/** The window at `offset` and where each pager button leads; moving by one window, never past either end. */
export function partitionWindow(offset: number, limit: number, total: number): PartitionWindow {
  const size = Math.max(1, Math.floor(limit));
  const start = clampOffset(offset, size, total);
  const end = Math.min(total, start + size);
  const last = latestOffset(total, size);
  return {
    start,
    end,
    total,
    older: start > 0 ? Math.max(0, start - size) : null,
    newer: end < total ? Math.min(last, start + size) : null,
    first: start > 0 ? 0 : null,
    latest: start < last ? last : null,
  };
}

/** "Partitions 101–200 of 1,000" (1-based, as the cascade numbers them), or a plain count when all fit. */
export function windowLabel(w: Pick<PartitionWindow, "start" | "end" | "total">): string {
  const n = (x: number) => x.toLocaleString("en-US");
  if (w.total === 0) return "No partitions";
  if (w.start === 0 && w.end >= w.total) return `${n(w.total)} partition${w.total === 1 ? "" : "s"}`;
  return `Partitions ${n(w.start + 1)}–${n(w.end)} of ${n(w.total)}`;
}
