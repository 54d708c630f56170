import { describe, expect, it } from "vitest";
import { OTHER_CATEGORY } from "./category-colours";
import {
  dominantCategory,
  formatShare,
  histogramShares,
  leadingCategories,
  shareSeries,
  type Histogram,
} from "./category-shares";

describe("histogramShares", () => {
  it("divides by the histogram's total mass (multi-genre items count in each genre) and sorts largest first", () => {
    expect(histogramShares({ Comedy: 1, Drama: 3 })).toEqual([
      { category: "Drama", share: 0.75 },
      { category: "Comedy", share: 0.25 },
    ]);
  });

  it("breaks ties by name and ignores empty or zero entries", () => {
    expect(histogramShares({ b: 2, a: 2, z: 0 }).map((s) => s.category)).toEqual(["a", "b"]);
    expect(histogramShares({})).toEqual([]);
    expect(histogramShares({ a: 0 })).toEqual([]);
  });

  it("handles category names that are not ordinary object keys", () => {
    const h = Object.assign(Object.create(null) as Record<string, number>, { ["__proto__"]: 2, toString: 1 });
    expect(dominantCategory(h)).toBe("__proto__");
  });
});

describe("leadingCategories", () => {
  it("ranks by the sum of per-partition shares, so a big partition does not outweigh many small ones", () => {
    const histograms: Histogram[] = [{ Drama: 1000 }, { Comedy: 1 }, { Comedy: 1 }];
    expect(leadingCategories(histograms, 2)).toEqual(["Comedy", "Drama"]);
    expect(leadingCategories(histograms, 1)).toEqual(["Comedy"]);
  });
});

describe("shareSeries", () => {
  it("keeps the leading categories and sums the rest into Other; every row adds up to 1", () => {
    const histograms: Histogram[] = [{ a: 6, b: 2, c: 2 }, { a: 1, b: 1, d: 2 }, { e: 5 }];
    const { categories, rows } = shareSeries(histograms, 2);
    // e: one whole partition (1.0) beats a: 0.6 + 0.25.
    expect(categories).toEqual(["e", "a", OTHER_CATEGORY]);
    expect(rows[0]!.values).toEqual([0, 0.6, 0.4]);
    expect(rows[1]!.values).toEqual([0, 0.25, 0.75]);
    expect(rows[2]!.values).toEqual([1, 0, 0]);
    for (const r of rows) expect(r.values.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
  });

  it("adds no Other series when the leading categories cover everything", () => {
    const { categories, rows } = shareSeries([{ a: 1 }, { b: 1 }], 8);
    expect(categories).toEqual(["a", "b"]);
    expect(rows.map((r) => r.values)).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });

  it("gives a partition without categories a row of zeros", () => {
    expect(shareSeries([{ a: 1 }, {}], 8).rows[1]!.values).toEqual([0]);
  });
});

describe("formatShare", () => {
  it("rounds to whole percents but never shows a present category as 0%", () => {
    expect(formatShare(0.404)).toBe("40%");
    expect(formatShare(0.004)).toBe("<1%");
    expect(formatShare(0)).toBe("0%");
    expect(formatShare(1)).toBe("100%");
  });
});
