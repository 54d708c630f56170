import type { VectorColumn } from "@/lib/uif/contract";
import { partitionDates } from "./heatmap-model";

// Rows of the drift and attention charts, one per partition of the window.

export interface PartitionChartRow {
  seq: number;
  /** "P12": 1-based, as the heatmap's axis. */
  label: string;
  dates: string;
  count: number;
  /** Cosine similarity with the previous partition; null for the user's first. */
  drift: number | null;
  /** The cascade's shift sentence for this partition (what changed since the previous one). */
  shift: string | null;
  weight: number;
}

export function chartRows(columns: readonly VectorColumn[]): PartitionChartRow[] {
  return columns.map((c) => ({
    seq: c.seq,
    label: `P${c.seq + 1}`,
    dates: partitionDates(c),
    count: c.count,
    drift: c.drift,
    shift: c.shift,
    weight: c.weight,
  }));
}

/** The y domain of the drift curve: up to 1, down to the lowest similarity (or 0), rounded out to 0.1. */
export function driftDomain(rows: readonly Pick<PartitionChartRow, "drift">[]): [number, number] {
  const values = rows.map((r) => r.drift).filter((d): d is number => d !== null && Number.isFinite(d));
  const low = Math.min(0, ...values);
  return [Math.max(-1, Math.floor(low * 10) / 10), 1];
}

/** The partition whose drift is lowest in the window (the biggest shift), or null. */
export function largestShift(rows: readonly PartitionChartRow[]): PartitionChartRow | null {
  let best: PartitionChartRow | null = null;
  for (const r of rows) if (r.drift !== null && (best === null || r.drift < best.drift!)) best = r;
  return best;
}

/** Share of the fused vector's attention that falls on the partitions of this window (the weights of all partitions sum to 1). */
export function windowWeight(rows: readonly Pick<PartitionChartRow, "weight">[]): number {
  return rows.reduce((s, r) => s + r.weight, 0);
}
