import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { divergingColour, divergingScale, quantile, sequentialColour, sequentialScale } from "./colour-scale";

const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];

describe("divergingColour", () => {
  it("is blue below zero, near-white at zero and red above", () => {
    const [r0, g0, b0] = rgb(divergingColour(0));
    expect(Math.min(r0, g0, b0)).toBeGreaterThan(240);
    const [rn, , bn] = rgb(divergingColour(-0.7));
    expect(bn).toBeGreaterThan(rn);
    const [rp, , bp] = rgb(divergingColour(0.7));
    expect(rp).toBeGreaterThan(bp);
  });

  it("hits the end stops and clamps beyond them", () => {
    expect(divergingColour(-1)).toBe("#053061");
    expect(divergingColour(1)).toBe("#67001f");
    expect(divergingColour(-5)).toBe(divergingColour(-1));
    expect(divergingColour(9)).toBe(divergingColour(1));
  });

  it("is equally far from white for equal magnitudes of either sign", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (t) => {
        const white = rgb(divergingColour(0));
        const dist = (c: number[]) => Math.hypot(...c.map((x, i) => x - white[i]!));
        const neg = dist(rgb(divergingColour(-t)));
        const pos = dist(rgb(divergingColour(t)));
        // RdBu is not exactly symmetric in RGB, but close: within a fifth of the range.
        expect(Math.abs(neg - pos)).toBeLessThan(0.2 * 441);
      }),
    );
  });

  it("darkens monotonically with magnitude", () => {
    const lightness = (hex: string) => rgb(hex).reduce((a, b) => a + b, 0);
    let prev = Infinity;
    for (let t = 0; t <= 1; t += 0.05) {
      const l = lightness(divergingColour(t));
      expect(l).toBeLessThanOrEqual(prev + 1e-9);
      prev = l;
    }
  });
});

describe("quantile", () => {
  it("interpolates between ranks and ignores non-finite values", () => {
    expect(quantile([3, 1, 2, NaN], 0.5)).toBe(2);
    expect(quantile([0, 10], 0.25)).toBe(2.5);
    expect(quantile([], 0.5)).toBe(0);
  });
});

describe("divergingScale", () => {
  it("is symmetric around zero with a limit from the magnitudes", () => {
    const s = divergingScale([-0.5, 0.1, 0.2, 0.25], 1);
    expect(s.limit).toBe(0.5);
    expect(s.colour(-0.5)).toBe(divergingColour(-1));
    expect(s.colour(0.5)).toBe(divergingColour(1));
    expect(s.colour(0)).toBe(divergingColour(0));
  });

  it("clips a lone outlier so the other cells keep their contrast", () => {
    const values = [...Array.from({ length: 99 }, (_, i) => ((i % 10) - 5) / 50), 5];
    const s = divergingScale(values);
    expect(s.limit).toBeLessThan(0.2);
    expect(s.colour(5)).toBe(divergingColour(1));
  });

  it("never divides by zero for all-zero or empty input", () => {
    expect(divergingScale([0, 0]).limit).toBe(1);
    expect(divergingScale([]).colour(0)).toBe(divergingColour(0));
  });
});

describe("sequentialScale", () => {
  it("maps min to 0 and max to 1, linear or log", () => {
    const lin = sequentialScale([10, 20, 30]);
    expect(lin.position(10)).toBe(0);
    expect(lin.position(20)).toBe(0.5);
    expect(lin.position(30)).toBe(1);
    expect(lin.colour(30)).toBe(sequentialColour(1));
    const log = sequentialScale([0, 9, 99], true);
    expect(log.position(9)).toBeCloseTo(0.5, 10);
  });

  it("puts a constant at the middle", () => {
    expect(sequentialScale([4, 4]).position(4)).toBe(0.5);
  });
});
