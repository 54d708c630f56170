import { PCA } from "ml-pca";
import { UMAP } from "umap-js";

/** 2-D projections of vectors (pure, deterministic). */

export type Point2 = [number, number];

/**
 * PCA to `components` dimensions through the covariance matrix (dims x dims: cheap for 6,000
 * rows of 256). Fewer than 2 rows, or no variance: zeros.
 */
export function pcaProject(rows: readonly ArrayLike<number>[], components = 2): number[][] {
  const n = rows.length;
  if (n < 2) return rows.map(() => new Array<number>(components).fill(0));
  const data = rows.map((r) => Array.from(r));
  const pca = new PCA(data, { method: "covarianceMatrix", center: true, scale: false });
  const available = Math.min(components, pca.getEigenvalues().length);
  const projected = pca.predict(data, { nComponents: available }).to2DArray();
  return projected.map((row) => {
    const out = row.map((x) => (Number.isFinite(x) ? x : 0));
    while (out.length < components) out.push(0);
    return out;
  });
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

/** mulberry32: a small seeded generator in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * UMAP to 2-D with a seeded generator. Rows are first reduced to at most 32 PCA components
 * (the usual practice: faster neighbour search, less noise). Fewer than 3 rows: PCA.
 */
export function umap2d(rows: readonly ArrayLike<number>[], opts: { seed?: number; nNeighbors?: number; minDist?: number } = {}): Point2[] {
  const n = rows.length;
  if (n < 3) return pca2d(rows);
  const reduced = rows[0]!.length > 32 ? pcaProject(rows, 32) : rows.map((r) => Array.from(r));
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: Math.max(2, Math.min(opts.nNeighbors ?? 15, n - 1)),
    minDist: opts.minDist ?? 0.1,
    random: seededRandom(opts.seed ?? 42),
  });
  return umap.fit(reduced).map((p) => [p[0] ?? 0, p[1] ?? 0] as Point2);
}
