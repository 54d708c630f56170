import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clampOffset, latestOffset, partitionWindow, windowLabel } from "./windowing";

describe("partitionWindow", () => {
  it("shows everything in one window when it fits", () => {
    expect(partitionWindow(0, 200, 37)).toEqual({
      start: 0,
      end: 37,
      total: 37,
      older: null,
      newer: null,
      first: null,
      latest: null,
    });
  });

  it("pages by one window and stops at both ends", () => {
    const first = partitionWindow(0, 100, 250);
    expect(first).toMatchObject({ start: 0, end: 100, older: null, newer: 100, first: null, latest: 150 });
    const middle = partitionWindow(100, 100, 250);
    expect(middle).toMatchObject({ start: 100, end: 200, older: 0, newer: 150, first: 0, latest: 150 });
    // The last window ends with the newest partition: full, not a stub of 50.
    const last = partitionWindow(150, 100, 250);
    expect(last).toMatchObject({ start: 150, end: 250, older: 50, newer: null, latest: null });
  });

  it("clamps an offset past the end or negative", () => {
    expect(partitionWindow(900, 100, 250).start).toBe(150);
    expect(partitionWindow(-3, 100, 250).start).toBe(0);
    expect(clampOffset(Number.NaN, 10, 5)).toBe(0);
    expect(latestOffset(5, 10)).toBe(0);
  });

  it("always shows min(limit, total) partitions and its buttons stay in range", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -50, max: 5000 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 3000 }),
        (offset, limit, total) => {
          const w = partitionWindow(offset, limit, total);
          expect(w.end - w.start).toBe(Math.min(limit, total));
          for (const o of [w.older, w.newer, w.first, w.latest]) {
            if (o === null) continue;
            expect(o).toBeGreaterThanOrEqual(0);
            expect(o).toBeLessThanOrEqual(latestOffset(total, limit));
            expect(o).not.toBe(w.start);
          }
          // Older then newer comes back (unless the older window was clipped at 0).
          if (w.older !== null && w.start >= limit) expect(partitionWindow(w.older, limit, total).newer).toBe(w.start);
        },
      ),
    );
  });
});

describe("windowLabel", () => {
  it("numbers from 1 like the cascade", () => {
    expect(windowLabel({ start: 100, end: 200, total: 1000 })).toBe("Partitions 101–200 of 1,000");
    expect(windowLabel({ start: 0, end: 1, total: 1 })).toBe("1 partition");
    expect(windowLabel({ start: 0, end: 0, total: 0 })).toBe("No partitions");
  });
});
