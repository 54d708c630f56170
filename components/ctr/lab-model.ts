/**
 * Pure view-model helpers of the CTR Lab: the samples query, the client-side sample cap, the
 * progress fraction and the live curves. No React, no tfjs: unit-tested in lab-model.test.ts.
 */
import type { BackendName } from "@/lib/ctr/backend";
import type { Backbone } from "@/lib/ctr/model";

export type Variant = "baseline" | "liber";
/** the variants trained in the Lab: the control (optional) is the LIBER architecture on another user's partitions */
export type LabVariant = Variant | "control";

export interface LabSettings {
  backbone: Backbone;
  label: string;
  /** ISO dates (yyyy-mm-dd) or "" */
  from: string;
  to: string;
  history: number;
  partitions: number;
  epochs: number;
  seed: number;
  /** at most this many samples per split, 0 = all (applied after the transfer, evenly over time) */
  sampleCap: number;
  backend: BackendName | "auto";
  /** use an encoder fitted after the validation cutoff when no leak-free one exists (its IDF saw the test period) */
  allowLateEncoder: boolean;
  /** also train a control: +LIBER on partition vectors shuffled across users (same samples, slots and ages) */
  control: boolean;
}

export const DEFAULT_SETTINGS: LabSettings = {
  backbone: "deepfm",
  label: "rate>=4",
  from: "",
  to: "",
  history: 20,
  partitions: 32,
  epochs: 2,
  seed: 1,
  sampleCap: 5000,
  backend: "auto",
  allowLateEncoder: false,
  control: false,
};

/** The query string of GET /api/ctr/samples for these settings (only what the API reads). */
export function samplesQuery(
  s: Pick<LabSettings, "label" | "from" | "to" | "history" | "partitions"> & { allowLateEncoder?: boolean },
  dataset: "own" | "control" = "own",
): string {
  const q = new URLSearchParams({
    label: s.label.trim() || "rate>=4",
    history: String(s.history),
    partitions: String(s.partitions),
  });
  if (s.from) q.set("from", s.from);
  if (s.to) q.set("to", s.to);
  if (s.allowLateEncoder) q.set("allowLateEncoder", "true");
  if (dataset === "control") q.set("control", "shuffled");
  return q.toString();
}

/** The settings that decide the validation cutoff, for GET (query) and POST (body) /api/ctr/encoder. */
export function encoderSettings(s: Pick<LabSettings, "label" | "from" | "to">): {
  label: string;
  from?: string;
  to?: string;
} {
  return { label: s.label.trim() || "rate>=4", ...(s.from ? { from: s.from } : {}), ...(s.to ? { to: s.to } : {}) };
}

/**
 * Rows kept when a split of `size` samples is capped to `cap`: evenly spaced over the split
 * (which is in time order), so a capped set still spans the whole range. cap <= 0 keeps all.
 */
export function cappedRows(size: number, cap: number): Int32Array {
  if (cap <= 0 || size <= cap) return Int32Array.from({ length: size }, (_, i) => i);
  const rows = new Int32Array(cap);
  for (let i = 0; i < cap; i++) rows[i] = Math.floor((i * size) / cap);
  return rows;
}

export interface ProgressEvent {
  variant: LabVariant;
  epoch: number;
  batch: number;
  batches: number;
  epochs: number;
  loss: number;
  validAuc?: number;
  samplesPerSecond: number;
  done?: boolean;
}

/** Share of a variant's training done, 0..1 (epochs are 1-based in the events; early stop ends at 1). */
export function progressFraction(
  p: Pick<ProgressEvent, "epoch" | "batch" | "batches" | "epochs" | "done"> | undefined,
): number {
  if (!p) return 0;
  if (p.done) return 1;
  const epochs = Math.max(1, p.epochs);
  const within = p.batches > 0 ? Math.min(1, p.batch / p.batches) : 0;
  return Math.min(1, Math.max(0, (p.epoch - 1 + within) / epochs));
}

export interface CurvePoint {
  /** training progress in epochs (1.5 = half-way through epoch 2) */
  x: number;
  baselineLoss?: number;
  liberLoss?: number;
  baselineAuc?: number;
  liberAuc?: number;
}

/**
 * Adds one progress event to the live curves (a new array). Both variants share the x axis
 * (epochs); an event at an x that already has a point fills in (or overwrites) that variant's
 * values there, e.g. the end-of-epoch event brings the validation AUC to the last batch's x.
 */
export function addCurvePoint(curve: CurvePoint[], p: ProgressEvent): CurvePoint[] {
  if (p.variant === "control") return curve; // the curves compare baseline and +LIBER
  const x = Math.round((p.epoch - 1 + (p.batches > 0 ? p.batch / p.batches : 1)) * 1000) / 1000;
  const lossKey = p.variant === "baseline" ? "baselineLoss" : "liberLoss";
  const aucKey = p.variant === "baseline" ? "baselineAuc" : "liberAuc";
  const index = curve.findIndex((c) => c.x === x);
  const point: CurvePoint = index >= 0 ? { ...curve[index]! } : { x };
  if (Number.isFinite(p.loss)) point[lossKey] = p.loss;
  if (p.validAuc !== undefined && Number.isFinite(p.validAuc)) point[aucKey] = p.validAuc;
  const next = index >= 0 ? curve.map((c, i) => (i === index ? point : c)) : [...curve, point];
  return next.sort((a, b) => a.x - b.x);
}

/** A metric for the table: 4 decimals, "—" for a missing value or NaN. */
export function formatMetric(v: number | null | undefined, signed = false): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  return `${signed && v > 0 ? "+" : ""}${v.toFixed(4)}`;
}

/** Megabytes received of total for the transfer bar. */
export function transferLabel(received: number, total: number | null): string {
  const mb = (n: number) => `${(n / 1_048_576).toFixed(1)} MB`;
  return total ? `${mb(received)} of ${mb(total)}` : mb(received);
}

/** The test split and both variants' predictions, kept in the worker to explain one user. */
export interface ExplainData {
  /** P: partition slots per sample */
  slots: number;
  userKey: Int32Array;
  item: Int32Array;
  ts: Float64Array;
  label: Float32Array;
  eventsBefore: Int32Array;
  /** size x P rows into the partition table, 0 = none */
  partRows: Int32Array;
  partAgeDays: Float32Array;
  /** partition table row -> database id of the partition */
  partitionIds: Int32Array;
  baseline: Float32Array;
  liber: Float32Array;
  /** size x P attention of the +LIBER variant over the sample's partitions */
  weights: Float32Array | null;
}

export interface ExplainUser {
  userKey: number;
  samples: number;
  clicks: number;
}

/** Test users to pick from: those with the most test samples that have partitions, then the rest. */
export function explainUsers(d: ExplainData, limit = 100): ExplainUser[] {
  const byUser = new Map<number, ExplainUser & { withPartitions: number }>();
  for (let i = 0; i < d.userKey.length; i++) {
    const key = d.userKey[i]!;
    const u = byUser.get(key) ?? { userKey: key, samples: 0, clicks: 0, withPartitions: 0 };
    u.samples++;
    if (d.label[i]! > 0.5) u.clicks++;
    if (d.partRows[i * d.slots]! > 0) u.withPartitions++;
    byUser.set(key, u);
  }
  return [...byUser.values()]
    .sort((a, b) => b.withPartitions - a.withPartitions || b.samples - a.samples || a.userKey - b.userKey)
    .slice(0, limit)
    .map(({ userKey, samples, clicks }) => ({ userKey, samples, clicks }));
}

export interface ExplainRow {
  ts: number;
  item: number;
  label: number;
  eventsBefore: number;
  baseline: number;
  liber: number;
  /** the sample's partitions, highest attention first (weight null when the variant gave none) */
  partitions: { partitionId: number; ageDays: number; weight: number | null }[];
}

/** One user's test samples (in time order) with both predictions and the attention over partitions. */
export function explainUser(d: ExplainData, userKey: number, limit = 200): ExplainRow[] {
  const rows: ExplainRow[] = [];
  for (let i = 0; i < d.userKey.length && rows.length < limit; i++) {
    if (d.userKey[i] !== userKey) continue;
    const partitions: ExplainRow["partitions"] = [];
    for (let k = 0; k < d.slots; k++) {
      const row = d.partRows[i * d.slots + k]!;
      if (row === 0) continue;
      partitions.push({
        partitionId: d.partitionIds[row]!,
        ageDays: d.partAgeDays[i * d.slots + k]!,
        weight: d.weights ? d.weights[i * d.slots + k]! : null,
      });
    }
    partitions.sort((a, b) => (b.weight ?? 0) - (a.weight ?? 0));
    rows.push({
      ts: d.ts[i]!,
      item: d.item[i]!,
      label: d.label[i]!,
      eventsBefore: d.eventsBefore[i]!,
      baseline: d.baseline[i]!,
      liber: d.liber[i]!,
      partitions,
    });
  }
  return rows.sort((a, b) => a.ts - b.ts);
}
