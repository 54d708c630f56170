import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildHitGrid, nearestPoint } from "./hit-grid";

/** The reference: look at every point. */
function bruteForce(xs: Float32Array, ys: Float32Array, x: number, y: number, radius: number): number {
  let best = -1;
  let bestD2 = radius * radius;
  for (let i = 0; i < xs.length; i++) {
    const d2 = (xs[i]! - x) ** 2 + (ys[i]! - y) ** 2;
    if (d2 < bestD2 || (d2 === bestD2 && i > best)) {
      best = i;
      bestD2 = d2;
    }
  }
  return best;
}

describe("hit grid", () => {
  it("finds the point under the cursor and nothing in empty space", () => {
    const xs = Float32Array.from([10, 50, 52]);
    const ys = Float32Array.from([10, 50, 50]);
    const grid = buildHitGrid(xs, ys, 100, 100, 8);
    expect(nearestPoint(grid, 11, 9, 6)).toBe(0);
    expect(nearestPoint(grid, 52.5, 50, 6)).toBe(2);
    expect(nearestPoint(grid, 90, 90, 6)).toBe(-1);
  });

  it("prefers the point drawn on top when two coincide", () => {
    const xs = Float32Array.from([20, 20]);
    const ys = Float32Array.from([20, 20]);
    expect(nearestPoint(buildHitGrid(xs, ys, 40, 40, 8), 20, 20, 5)).toBe(1);
  });

  it("keeps points outside the canvas reachable from its border", () => {
    const grid = buildHitGrid(Float32Array.from([-3]), Float32Array.from([105]), 100, 100, 10);
    expect(nearestPoint(grid, 1, 99, 8)).toBe(0);
  });

  it("agrees with a brute-force search", () => {
    const point = fc.tuple(fc.float({ min: 0, max: 300, noNaN: true }), fc.float({ min: 0, max: 200, noNaN: true }));
    fc.assert(
      fc.property(
        fc.array(point, { maxLength: 400 }),
        fc.array(point, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 20 }),
        (pts, probes, radius) => {
          const xs = Float32Array.from(pts.map((p) => p[0]));
          const ys = Float32Array.from(pts.map((p) => p[1]));
          const grid = buildHitGrid(xs, ys, 300, 200, radius);
          for (const [x, y] of probes) expect(nearestPoint(grid, x, y, radius)).toBe(bruteForce(xs, ys, x, y, radius));
        },
      ),
    );
  });

  it("answers a hover over 6,000 points without scanning them all", () => {
    const n = 6000;
    const xs = Float32Array.from({ length: n }, (_, i) => (i * 7919) % 900);
    const ys = Float32Array.from({ length: n }, (_, i) => (i * 104729) % 600);
    const grid = buildHitGrid(xs, ys, 900, 600, 8);
    // Bucket sizes: the cells around any probe hold a small fraction of the points.
    let largest = 0;
    for (let c = 0; c < grid.cols * grid.rows; c++) largest = Math.max(largest, grid.start[c + 1]! - grid.start[c]!);
    expect(9 * largest).toBeLessThan(n / 20);
    expect(nearestPoint(grid, xs[1234]!, ys[1234]!, 4)).toBe(bruteForce(xs, ys, xs[1234]!, ys[1234]!, 4));
  });
});
