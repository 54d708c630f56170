import { contentHash, l2Normalise } from "./encoder";
import type { FusionParams } from "./contract";

/**
 * Interest fusion: attention pooling of a user's partition vectors with a recency prior.
 *
 *   p_i   = normalise(s_i + shiftWeight * h_i)          s_i summary vector, h_i shift vector (0 if none)
 *   q     = normalise(mean_i p_i)                       the user's centroid: learned-free query
 *   age_i = (asOf - sealedAt_i) in days
 *   score_i = (q . p_i) / temperature - decay * age_i,  decay = ln 2 / halfLifeDays (0 if null)
 *   w     = softmax(score)                              sums to 1
 *   fused = normalise(sum_i w_i p_i)
 *
 * The similarity term favours partitions that agree with the user's overall interests (a
 * one-off period weighs less); the recency term halves a partition's weight per half-life of
 * age, all else equal. Temperature -> infinity and no half-life give the plain mean.
 * The params are versioned by a content hash (`fusionVersion`).
 */

export const FUSION_FORMULA = "attention-recency-v1";

export const DEFAULT_FUSION: FusionParams = { temperature: 0.2, halfLifeDays: 365, shiftWeight: 0 };

const DAY_MS = 86_400_000;

export function validateFusionParams(p: FusionParams): FusionParams {
  if (!(p.temperature > 0) || !Number.isFinite(p.temperature)) throw new RangeError("temperature must be > 0");
  if (p.halfLifeDays !== null && (!(p.halfLifeDays > 0) || !Number.isFinite(p.halfLifeDays)))
    throw new RangeError("halfLifeDays must be > 0 or null");
  if (!(p.shiftWeight >= 0) || !Number.isFinite(p.shiftWeight)) throw new RangeError("shiftWeight must be >= 0");
  return p;
}

export function fusionVersion(p: FusionParams): string {
  return `${FUSION_FORMULA}:${contentHash({ formula: FUSION_FORMULA, params: p })}`;
}

export interface FusionInput {
  summary: Float32Array;
  shift: Float32Array | null;
  sealedAtMs: number;
}

export interface FusionResult {
  fused: Float32Array;
  /** One per input, same order; sums to 1 (empty input: empty). */
  weights: Float64Array;
  ageDays: Float64Array;
}

export function partitionVector(input: FusionInput, shiftWeight: number): Float32Array {
  const v = Float32Array.from(input.summary);
  if (input.shift && shiftWeight > 0) for (let d = 0; d < v.length; d++) v[d]! += shiftWeight * input.shift[d]!;
  return l2Normalise(v);
}

export function fuse(inputs: readonly FusionInput[], asOfMs: number, params: FusionParams, dims: number): FusionResult {
  const vectors = inputs.map((x) => {
    if (x.summary.length !== dims) throw new RangeError(`vector of ${x.summary.length} dims, expected ${dims}`);
    return partitionVector(x, params.shiftWeight);
  });
  return fusePartitionVectors(
    vectors,
    inputs.map((x) => x.sealedAtMs),
    asOfMs,
    params,
    dims,
  );
}

/**
 * `fuse` over partition vectors already built with `partitionVector` (same shiftWeight as
 * `params`): the features API keeps them per user between requests, since only the
 * weights depend on asOf.
 */
export function fusePartitionVectors(
  vectors: readonly Float32Array[],
  sealedAtMs: readonly number[],
  asOfMs: number,
  params: FusionParams,
  dims: number,
): FusionResult {
  const n = vectors.length;
  const fused = new Float32Array(dims);
  const weights = new Float64Array(n);
  const ageDays = new Float64Array(n);
  if (n === 0) return { fused, weights, ageDays };
  const q = new Float64Array(dims);
  for (const v of vectors) for (let d = 0; d < dims; d++) q[d]! += v[d]!;
  let qn = 0;
  for (let d = 0; d < dims; d++) qn += q[d]! * q[d]!;
  qn = qn > 0 ? 1 / Math.sqrt(qn) : 0;
  const decay = params.halfLifeDays === null ? 0 : Math.LN2 / params.halfLifeDays;
  // The recency term is taken from the newest partition rather than from asOf: softmax is
  // unchanged by the common shift, and weights and fused vector then do not depend on asOf
  // (bit for bit), so the features API reuses them. Only when asOf precedes a seal (ages
  // clamped at 0) is asOf itself the reference.
  let newest = -Infinity;
  for (let i = 0; i < n; i++) newest = Math.max(newest, sealedAtMs[i]!);
  const reference = asOfMs >= newest ? newest : asOfMs;
  const scores = new Float64Array(n);
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    let dot = 0;
    const v = vectors[i]!;
    for (let d = 0; d < dims; d++) dot += q[d]! * v[d]!;
    ageDays[i] = Math.max(0, (asOfMs - sealedAtMs[i]!) / DAY_MS);
    scores[i] = (dot * qn) / params.temperature - decay * Math.max(0, (reference - sealedAtMs[i]!) / DAY_MS);
    if (scores[i]! > max) max = scores[i]!;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += weights[i] = Math.exp(scores[i]! - max);
  for (let i = 0; i < n; i++) weights[i]! /= sum;
  const acc = new Float64Array(dims);
  for (let i = 0; i < n; i++) {
    const v = vectors[i]!;
    const w = weights[i]!;
    for (let d = 0; d < dims; d++) acc[d]! += w * v[d]!;
  }
  for (let d = 0; d < dims; d++) fused[d] = acc[d]!;
  return { fused: l2Normalise(fused), weights, ageDays };
}
