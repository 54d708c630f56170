import { describe, expect, it } from "vitest";
import { categoryColour, NO_CATEGORY_COLOUR } from "@/components/partitions/category-colours";
import { sequentialColour } from "./colour-scale";
import { colourPoints, drawOrder, fitToCanvas, MAX_CATEGORIES, MISSING_LABEL, OTHER_LABEL } from "./population-model";

describe("fitToCanvas", () => {
  it("fits the cloud inside the padding with one scale for both axes, y upwards", () => {
    const { xs, ys } = fitToCanvas(
      [
        { x: 0, y: 0 },
        { x: 10, y: 5 },
      ],
      220,
      220,
      10,
    );
    // x spans the width (200 px for 10 units); y gets the same 20 px per unit, centred.
    expect(xs[0]).toBe(10);
    expect(xs[1]).toBe(210);
    expect(ys[0]! - ys[1]!).toBeCloseTo(100);
    expect((ys[0]! + ys[1]!) / 2).toBeCloseTo(110);
  });

  it("puts a single point (or identical points) in the middle", () => {
    const { xs, ys } = fitToCanvas([{ x: 3, y: 3 }], 100, 60, 5);
    expect(xs[0]).toBe(50);
    expect(ys[0]).toBe(30);
  });
});

describe("colourPoints", () => {
  it("colours genres as everywhere else and lists them most frequent first", () => {
    const points = ["Drama", "Drama", "Comedy", null].map((color) => ({ color }));
    const { colours, legend } = colourPoints(points, "dominantCategory");
    expect(colours).toEqual([
      categoryColour("Drama"),
      categoryColour("Drama"),
      categoryColour("Comedy"),
      NO_CATEGORY_COLOUR,
    ]);
    expect(legend).toEqual({
      kind: "categorical",
      items: [
        { label: "Drama", colour: categoryColour("Drama"), count: 2 },
        { label: "Comedy", colour: categoryColour("Comedy"), count: 1 },
        { label: MISSING_LABEL, colour: NO_CATEGORY_COLOUR, count: 1 },
      ],
    });
  });

  it("folds the long tail of categories into Other", () => {
    const points = Array.from({ length: 30 }, (_, i) => ({ color: `occ${i % 15}` }));
    const { colours, legend } = colourPoints(points, "occupation");
    expect(legend.kind).toBe("categorical");
    if (legend.kind !== "categorical") return;
    expect(legend.items).toHaveLength(MAX_CATEGORIES);
    expect(legend.items.at(-1)).toMatchObject({ label: OTHER_LABEL, count: 30 - 2 * (MAX_CATEGORIES - 1) });
    expect(new Set(colours).size).toBe(MAX_CATEGORIES);
    expect(legend.items.reduce((s, i) => s + i.count, 0)).toBe(30);
  });

  it("colours counts on a log scale and ages linearly", () => {
    const counts = colourPoints([{ color: 0 }, { color: 9 }, { color: 99 }, { color: null }], "events");
    expect(counts.legend).toMatchObject({ kind: "numeric", min: 0, max: 99, log: true, missing: 1 });
    expect(counts.colours[2]).toBe(sequentialColour(1));
    expect(counts.colours[1]).toBe(sequentialColour(0.5));
    expect(counts.colours[3]).toBe(NO_CATEGORY_COLOUR);
    const ages = colourPoints([{ color: 20 }, { color: 40 }, { color: 60 }], "age");
    expect(ages.legend).toMatchObject({ log: false });
    expect(ages.colours[1]).toBe(sequentialColour(0.5));
  });
});

describe("drawOrder", () => {
  it("groups points by colour, largest group first", () => {
    expect(drawOrder(["a", "b", "a", "c", "a", "b"])).toEqual([
      { colour: "a", indexes: [0, 2, 4] },
      { colour: "b", indexes: [1, 5] },
      { colour: "c", indexes: [3] },
    ]);
  });
});
