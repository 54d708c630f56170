import { describe, expect, it } from "vitest";
import { topCategories } from "./views";

/** What topCategories gave before it selected in one pass: a full sort, then the first n. */
function bySort(histogram: Record<string, number>, n: number) {
  const entries = Object.entries(histogram);
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  if (total <= 0) return [];
  return entries
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, n)
    .map(([category, w]) => ({ category, share: w / total }));
}

describe("topCategories", () => {
  it("gives the first n of the entries sorted by weight, then name", () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let t = 0; t < 500; t++) {
      const histogram: Record<string, number> = {};
      const size = Math.floor(rand() * 12);
      for (let i = 0; i < size; i++) histogram[`c${Math.floor(rand() * 20)}`] = Math.floor(rand() * 4); // ties and zeros
      for (const n of [1, 3, 5]) expect(topCategories(histogram, n)).toEqual(bySort(histogram, n));
    }
    expect(topCategories({})).toEqual([]);
    expect(topCategories({ a: 0, b: 0 })).toEqual([]);
    expect(topCategories({ b: 2, a: 2, c: 1 }, 2)).toEqual([
      { category: "a", share: 0.4 },
      { category: "b", share: 0.4 },
    ]);
  });
});
