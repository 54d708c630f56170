import { partitionVector } from "./fusion";
import type { PartitionFeatureRow } from "./store";

/**
 * Per-process LRU of a user's decoded feature rows (every sealed partition, its chosen
 * summary and vectors) keyed by (database, user, config, prompt version, encoder version)
 * and validated on every request by `featureRowsSignature` (counts, newest ids and write
 * times of the user's partitions, summaries and vectors): a stale entry is never served.
 * The asOf filter is applied in memory to the whole set, exactly as the SQL applies it
 * (partition and vector seal times strictly before asOf), so caching changes no answer.
 *
 * Why: at 1,000 partitions reading 2,000 vectors (2 MB of bytea) and writing them as JSON
 * numbers cost more than the whole latency budget; the rows and their wire forms (JSON text,
 * base64) do not depend on asOf, only the attention weights do.
 */

export interface CachedFeatureSet {
  signature: string;
  rows: PartitionFeatureRow[];
  /** Partition vectors (`partitionVector`) per shiftWeight, built on first use. */
  partitionVectors: Map<number, Float32Array[]>;
  /** Fusion results (fused vector, weights) by fusion version and the rows fused: they do not depend on asOf. */
  fusions: Map<string, { fused: Float32Array; weights: Float64Array }>;
  /** Texts by key ("meta", "summary:json", …) and row index, built on first use. */
  wire: Map<string, (string | null | undefined)[]>;
  bytes: number;
}

const DEFAULT_BUDGET_BYTES = 256 * 1024 * 1024;
const globalRef = globalThis as unknown as { __liberUifFeatureCache?: Map<string, CachedFeatureSet> };
const entries = (globalRef.__liberUifFeatureCache ??= new Map());
let budgetBytes = DEFAULT_BUDGET_BYTES;

/** Bytes the cache may hold (0 disables it; the benchmark uses that for its uncached figures). */
export function setFeatureCacheBudget(bytes: number): void {
  budgetBytes = Math.max(0, bytes);
  evict();
}

export function featureCacheBudget(): number {
  return budgetBytes;
}

export function clearFeatureCache(): void {
  entries.clear();
}

export function featureCacheKey(parts: {
  db: string;
  userId: number;
  configId: number;
  promptVersionId: number;
  encoderVersionId: number | null;
}): string {
  return `${parts.db}|${parts.userId}|${parts.configId}|${parts.promptVersionId}|${parts.encoderVersionId ?? "-"}`;
}

/** The entry when its signature still matches (and marks it recently used), else null. */
export function getFeatureSet(key: string, signature: string): CachedFeatureSet | null {
  const hit = entries.get(key);
  if (!hit) return null;
  entries.delete(key);
  if (hit.signature !== signature) return null;
  entries.set(key, hit);
  return hit;
}

export function newFeatureSet(signature: string, rows: PartitionFeatureRow[]): CachedFeatureSet {
  let bytes = 200;
  for (const r of rows) bytes += 300 + (r.summary?.byteLength ?? 0) + (r.shift?.byteLength ?? 0);
  return { signature, rows, partitionVectors: new Map(), fusions: new Map(), wire: new Map(), bytes };
}

export function putFeatureSet(key: string, set: CachedFeatureSet): void {
  entries.delete(key);
  if (budgetBytes === 0 || set.bytes > budgetBytes) return;
  entries.set(key, set);
  evict();
}

function evict(): void {
  let total = 0;
  for (const e of entries.values()) total += e.bytes;
  for (const [key, e] of entries) {
    if (total <= budgetBytes) break;
    entries.delete(key);
    total -= e.bytes;
  }
}

/** `partitionVector` of every row with a summary vector (undefined slots for the others). */
export function partitionVectorsOf(set: CachedFeatureSet, shiftWeight: number): Float32Array[] {
  let vectors = set.partitionVectors.get(shiftWeight);
  if (!vectors) {
    vectors = set.rows.map((r) =>
      r.summary
        ? partitionVector({ summary: r.summary, shift: r.shift, sealedAtMs: 0 }, shiftWeight)
        : new Float32Array(0),
    );
    set.partitionVectors.set(shiftWeight, vectors);
    set.bytes += vectors.reduce((s, v) => s + v.byteLength, 0);
  }
  return vectors;
}

/** A memoised text of row i (its JSON metadata, a vector as JSON or base64 text) under a key. */
export function wireText(set: CachedFeatureSet, key: string, i: number, make: () => string): string {
  let texts = set.wire.get(key);
  if (!texts) set.wire.set(key, (texts = new Array<string | null>(set.rows.length)));
  let text = texts[i];
  if (text === undefined || text === null) {
    text = texts[i] = make();
    set.bytes += text.length + 16;
  }
  return text;
}
