import { UMAP } from "umap-js";
import { mulberry32 } from "../liber/random";

/** 2-D projections of vectors (pure, deterministic). */

export type Point2 = [number, number];

/**
 * PCA to `components` dimensions: the covariance matrix (dims x dims, one pass over the rows)
 * and its top eigenvectors by orthogonal (subspace) iteration, which needs only the few
 * components asked for. ml-pca's full eigendecomposition of a 256 x 256 matrix took seconds on
 * this machine, too slow for a request; it remains the reference in the tests.
 * Fewer than 2 rows, or no variance: zeros.
 */
export function pcaProject(rows: readonly ArrayLike<number>[], components = 2): number[][] {
  const n = rows.length;
  if (n < 2) return rows.map(() => new Array<number>(components).fill(0));
  const d = rows[0]!.length;
  const k = Math.min(components, d);
  const mean = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j]! += r[j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  // Upper triangle of X^T X of the centred rows, then mirrored.
  const cov = new Float64Array(d * d);
  const centred = new Float64Array(d);
  for (const r of rows) {
    for (let j = 0; j < d; j++) centred[j] = r[j]! - mean[j]!;
    for (let a = 0; a < d; a++) {
      const ca = centred[a]!;
      if (ca === 0) continue;
      const row = a * d;
      for (let b = a; b < d; b++) cov[row + b]! += ca * centred[b]!;
    }
  }
  for (let a = 0; a < d; a++) for (let b = a + 1; b < d; b++) cov[b * d + a] = cov[a * d + b]!;
  const basis = topEigenvectors(cov, d, k);
  return rows.map((r) => {
    const out = new Array<number>(components).fill(0);
    for (let c = 0; c < k; c++) {
      const v = basis[c]!;
      let s = 0;
      for (let j = 0; j < d; j++) s += (r[j]! - mean[j]!) * v[j]!;
      out[c] = Number.isFinite(s) ? s : 0;
    }
    return out;
  });
}

/** Top-k eigenvectors of a symmetric positive semi-definite matrix, by orthogonal iteration (deterministic start). */
function topEigenvectors(
  m: Float64Array,
  d: number,
  k: number,
  maxIterations = 500,
  tolerance = 1e-15,
): Float64Array[] {
  const random = mulberry32(12345);
  let q = Array.from({ length: k }, () => Float64Array.from({ length: d }, () => random() - 0.5));
  orthonormalise(q);
  for (let it = 0; it < maxIterations; it++) {
    const next = q.map((v) => {
      const out = new Float64Array(d);
      for (let a = 0; a < d; a++) {
        let s = 0;
        const row = a * d;
        for (let b = 0; b < d; b++) s += m[row + b]! * v[b]!;
        out[a] = s;
      }
      return out;
    });
    orthonormalise(next);
    let change = 0;
    for (let c = 0; c < k; c++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += next[c]![j]! * q[c]![j]!;
      change = Math.max(change, 1 - Math.abs(dot));
    }
    q = next;
    if (change < tolerance) break;
  }
  return q;
}

/** Modified Gram-Schmidt, in place; a vector that vanishes becomes zero. */
function orthonormalise(vs: Float64Array[]): void {
  for (let i = 0; i < vs.length; i++) {
    const v = vs[i]!;
    for (let j = 0; j < i; j++) {
      const u = vs[j]!;
      let dot = 0;
      for (let t = 0; t < v.length; t++) dot += v[t]! * u[t]!;
      for (let t = 0; t < v.length; t++) v[t]! -= dot * u[t]!;
    }
    let norm = 0;
    for (let t = 0; t < v.length; t++) norm += v[t]! * v[t]!;
    norm = Math.sqrt(norm);
    for (let t = 0; t < v.length; t++) v[t] = norm > 1e-300 ? v[t]! / norm : 0;
  }
}

/** Eigenvector signs are arbitrary: orientation is fixed so that a re-run does not mirror the map. */
export function pca2d(rows: readonly ArrayLike<number>[]): Point2[] {
  return fixSigns(pcaProject(rows, 2)) as Point2[];
}

/** Flips each axis so that its largest-magnitude coordinate is positive (stable orientation). */
function fixSigns(points: number[][]): number[][] {
  if (points.length === 0) return points;
  const dims = points[0]!.length;
  for (let d = 0; d < dims; d++) {
    let best = 0;
    for (const p of points) if (Math.abs(p[d]!) > Math.abs(best)) best = p[d]!;
    if (best < 0) for (const p of points) p[d] = -p[d]! || 0;
  }
  return points;
}

/**
 * UMAP to 2-D with a seeded generator. Rows are first reduced to at most 32 PCA components
 * (the usual practice: faster neighbour search, less noise). Fewer than 3 rows: PCA.
 */
export interface UmapOptions {
  seed?: number;
  nNeighbors?: number;
  minDist?: number;
  /** Optimisation epochs (umap-js default: 500 below 10,000 points). */
  nEpochs?: number;
}

function umapSetup(rows: readonly ArrayLike<number>[], opts: UmapOptions): { umap: UMAP; reduced: number[][] } {
  const n = rows.length;
  const reduced = rows[0]!.length > 32 ? pcaProject(rows, 32) : rows.map((r) => Array.from(r));
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: Math.max(2, Math.min(opts.nNeighbors ?? 15, n - 1)),
    minDist: opts.minDist ?? 0.1,
    nEpochs: opts.nEpochs ?? 200,
    random: mulberry32(opts.seed ?? 42),
  });
  return { umap, reduced };
}

const toPoints = (embedding: number[][]) => embedding.map((p) => [p[0] ?? 0, p[1] ?? 0] as Point2);

export function umap2d(rows: readonly ArrayLike<number>[], opts: UmapOptions = {}): Point2[] {
  if (rows.length < 3) return pca2d(rows);
  const { umap, reduced } = umapSetup(rows, opts);
  return toPoints(umap.fit(reduced));
}

/**
 * The same embedding as umap2d (same seed, same steps), computed epoch by epoch with the event
 * loop let through in between, so that a server computing it keeps answering requests.
 */
export async function umap2dYielding(
  rows: readonly ArrayLike<number>[],
  opts: UmapOptions = {},
  sliceMs = 20,
): Promise<Point2[]> {
  if (rows.length < 3) return pca2d(rows);
  const { umap, reduced } = umapSetup(rows, opts);
  await yieldToLoop();
  const epochs = umap.initializeFit(reduced);
  let sliceStart = performance.now();
  for (let i = 0; i < epochs; i++) {
    umap.step();
    if (performance.now() - sliceStart > sliceMs) {
      await yieldToLoop();
      sliceStart = performance.now();
    }
  }
  return toPoints(umap.getEmbedding());
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
