/** Vector helpers over Float32Array (pure). */

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Cosine similarity; 0 when either vector is zero. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/** Cosine similarity of each vector with the one before it (null for the first). */
export function driftCurve(vectors: readonly ArrayLike<number>[]): (number | null)[] {
  return vectors.map((v, i) => (i === 0 ? null : cosine(vectors[i - 1]!, v)));
}

/** Indexes of the k dimensions with the largest variance over the vectors, in index order. */
export function topVarianceDimensions(vectors: readonly ArrayLike<number>[], k: number): number[] {
  if (vectors.length === 0) return [];
  const dims = vectors[0]!.length;
  const mean = new Float64Array(dims);
  const sq = new Float64Array(dims);
  for (const v of vectors)
    for (let d = 0; d < dims; d++) {
      mean[d]! += v[d]!;
      sq[d]! += v[d]! * v[d]!;
    }
  const n = vectors.length;
  const variance = Array.from({ length: dims }, (_, d) => ({ d, v: sq[d]! / n - (mean[d]! / n) ** 2 }));
  variance.sort((a, b) => b.v - a.v || a.d - b.d);
  return variance
    .slice(0, Math.min(k, dims))
    .map((x) => x.d)
    .sort((a, b) => a - b);
}

export interface NeighbourHit {
  index: number;
  similarity: number;
}

/**
 * The k candidates most similar (cosine) to the query, best first; ties by index. `exclude`
 * skips one candidate (the user itself). Exact scan: 6,000 x 256 is ~1.5M multiply-adds.
 */
export function kNearest(
  query: ArrayLike<number>,
  candidates: readonly ArrayLike<number>[],
  k: number,
  exclude = -1,
): NeighbourHit[] {
  const hits: NeighbourHit[] = [];
  for (let i = 0; i < candidates.length; i++) {
    if (i === exclude) continue;
    hits.push({ index: i, similarity: cosine(query, candidates[i]!) });
  }
  hits.sort((a, b) => b.similarity - a.similarity || a.index - b.index);
  return hits.slice(0, Math.max(0, k));
}
