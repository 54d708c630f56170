import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_FUSION, fuse, fusionVersion } from "./fusion";
import { driftCurve, kNearest, topVarianceDimensions } from "./vectors";
import { PCA } from "ml-pca";
import { mulberry32 } from "../liber/random";
import { pca2d, pcaProject, umap2d, umap2dYielding } from "./projection";

const DAY = 86_400_000;
const unit = (xs: number[]) => {
  const n = Math.hypot(...xs);
  return Float32Array.from(xs, (x) => x / n);
};

describe("fusion", () => {
  it("weights and fused vector do not depend on asOf once every partition is sealed (bit for bit); ages do", () => {
    const inputs = [unit([1, 0.2, 0, 0]), unit([0.9, 0.1, 0.3, 0]), unit([0, 0, 1, 0.4])].map((v, i) => ({
      summary: v,
      shift: null,
      sealedAtMs: i * 40 * DAY,
    }));
    const a = fuse(inputs, 100 * DAY, DEFAULT_FUSION, 4);
    const b = fuse(inputs, 12345 * DAY + 17, DEFAULT_FUSION, 4);
    expect(Array.from(b.weights)).toEqual(Array.from(a.weights));
    expect(Array.from(b.fused)).toEqual(Array.from(a.fused));
    expect(b.ageDays[0]! - a.ageDays[0]!).toBeCloseTo(12245, 6);
    // The newest partition still gets the recency advantage: 80 days' worth of decay over the oldest.
    expect(a.weights[2]! / a.weights[0]!).not.toBeCloseTo(1, 3);
  });

  it("weights sum to 1 and the fused vector is unit length (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }), {
          minLength: 1,
          maxLength: 30,
        }),
        fc.double({ min: 0.01, max: 10, noNaN: true }),
        (vs, temperature) => {
          const inputs = vs.map((v, i) => ({
            summary: Float32Array.from(v.map((x, d) => x + (d === i % 4 ? 1.5 : 0))),
            shift: null,
            sealedAtMs: i * DAY,
          }));
          const r = fuse(inputs, vs.length * DAY, { ...DEFAULT_FUSION, temperature }, 4);
          const sum = r.weights.reduce((s, w) => s + w, 0);
          expect(sum).toBeCloseTo(1, 9);
          for (const w of r.weights) expect(w).toBeGreaterThanOrEqual(0);
          expect(Math.hypot(...r.fused)).toBeCloseTo(1, 4);
        },
      ),
    );
  });

  it("recency: with equal vectors, a partition one half-life older gets half the weight", () => {
    const v = unit([1, 0, 0]);
    const r = fuse(
      [
        { summary: v, shift: null, sealedAtMs: 0 },
        { summary: v, shift: null, sealedAtMs: 100 * DAY },
      ],
      100 * DAY,
      { temperature: 1, halfLifeDays: 100, shiftWeight: 0 },
      3,
    );
    expect(r.weights[0]! / r.weights[1]!).toBeCloseTo(0.5, 9);
    expect(Array.from(r.ageDays)).toEqual([100, 0]);
  });

  it("attention: an outlier partition weighs less than the consistent ones", () => {
    const a = unit([1, 0.1, 0]);
    const out = unit([0, 0, 1]);
    const r = fuse(
      [a, a, out].map((summary) => ({ summary, shift: null, sealedAtMs: 0 })),
      0,
      { temperature: 0.2, halfLifeDays: null, shiftWeight: 0 },
      3,
    );
    expect(r.weights[2]!).toBeLessThan(r.weights[0]!);
  });

  it("empty input: empty weights and a zero vector", () => {
    const r = fuse([], 0, DEFAULT_FUSION, 3);
    expect(r.weights.length).toBe(0);
    expect(Array.from(r.fused)).toEqual([0, 0, 0]);
  });

  it("version depends on the params only", () => {
    expect(fusionVersion(DEFAULT_FUSION)).toBe(fusionVersion({ shiftWeight: 0, halfLifeDays: 365, temperature: 0.2 }));
    expect(fusionVersion(DEFAULT_FUSION)).not.toBe(fusionVersion({ ...DEFAULT_FUSION, temperature: 0.3 }));
  });
});

describe("vector helpers", () => {
  it("drift curve, top-variance dimensions, k nearest", () => {
    const vs = [unit([1, 0, 0]), unit([1, 1, 0]), unit([0, 1, 0])];
    const drift = driftCurve(vs);
    expect(drift[0]).toBeNull();
    expect(drift[1]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(topVarianceDimensions(vs, 2)).toEqual([0, 1]);
    const hits = kNearest(vs[0]!, vs, 2, 0);
    expect(hits.map((h) => h.index)).toEqual([1, 2]);
    expect(hits[0]!.similarity).toBeGreaterThan(hits[1]!.similarity);
  });

  it("PCA matches ml-pca's projection (up to the sign of each axis)", () => {
    const random = mulberry32(3);
    // Anisotropic data: distinct variances so the components are well defined.
    const rows = Array.from({ length: 120 }, () => Array.from({ length: 10 }, (_, d) => (random() - 0.5) * (10 - d)));
    const ours = pcaProject(rows, 2);
    const reference = new PCA(rows, { center: true, scale: false }).predict(rows, { nComponents: 2 }).to2DArray();
    for (let c = 0; c < 2; c++) {
      const sign = Math.sign(ours[0]![c]!) === Math.sign(reference[0]![c]!) ? 1 : -1;
      rows.forEach((_, i) => expect(ours[i]![c]!).toBeCloseTo(sign * reference[i]![c]!, 5));
    }
  });

  it("projections are deterministic and separate two clusters", async () => {
    const rows: Float32Array[] = [];
    for (let i = 0; i < 40; i++)
      rows.push(
        unit(
          Array.from(
            { length: 8 },
            (_, d) => (d < 4 ? (i < 20 ? 1 : 0) : i < 20 ? 0 : 1) + ((i * 7 + d * 3) % 5) * 0.01,
          ),
        ),
      );
    const p1 = pca2d(rows);
    expect(p1).toEqual(pca2d(rows));
    const side = (p: [number, number]) => Math.sign(p[0]);
    expect(new Set(p1.slice(0, 20).map(side)).size).toBe(1);
    expect(side(p1[0]!)).not.toBe(side(p1[39]!));
    const u1 = umap2d(rows, { seed: 7 });
    expect(u1).toEqual(umap2d(rows, { seed: 7 }));
    expect(u1).toHaveLength(40);
    // The server's epoch-by-epoch run yields the same map.
    expect(await umap2dYielding(rows, { seed: 7 }, 0)).toEqual(u1);
  });
});
