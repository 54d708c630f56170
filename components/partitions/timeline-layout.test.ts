import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildTimeScale,
  calendarBoundaries,
  defaultMinBandWidth,
  sequenceSlots,
  sequenceTicks,
  tickUnitFor,
  timeTicks,
  type Interval,
} from "./timeline-layout";

const DAY = 86_400_000;
const T0 = Date.UTC(2001, 2, 4);

describe("buildTimeScale", () => {
  it("is linear in time when the minimum widths are zero", () => {
    const scale = buildTimeScale(
      [
        { start: 0, end: 100 },
        { start: 300, end: 400 },
      ],
      400,
      { minBandWidth: 0 },
    );
    expect(scale.domain).toEqual([0, 400]);
    expect(scale.band({ start: 0, end: 100 })).toEqual({ x: 0, width: 100 });
    expect(scale.band({ start: 300, end: 400 })).toEqual({ x: 300, width: 100 });
    expect(scale.x(200)).toBe(200);
  });

  it("widens bursts: a band of one evening next to a two-year gap still gets its minimum width", () => {
    const bands = [
      { start: T0, end: T0 + 3_600_000 },
      { start: T0 + 2 * 365 * DAY, end: T0 + 2 * 365 * DAY + 3_600_000 },
    ];
    const scale = buildTimeScale(bands, 1000, { minBandWidth: 20 });
    const [a, b] = bands.map((i) => scale.band(i));
    expect(a!.width).toBeGreaterThanOrEqual(20);
    expect(b!.width).toBeGreaterThanOrEqual(20);
    // The gap keeps (nearly) all the rest: quiet years still look long.
    expect(b!.x - (a!.x + a!.width)).toBeGreaterThan(900);
    expect(b!.x + b!.width).toBeCloseTo(1000, 6);
  });

  it("gives instant-long bands (every event at one timestamp) a visible width", () => {
    const scale = buildTimeScale(
      [
        { start: 10, end: 10 },
        { start: 20, end: 30 },
      ],
      100,
      { minBandWidth: 5 },
    );
    expect(scale.band({ start: 10, end: 10 }).width).toBeCloseTo(5, 9);
    expect(scale.band({ start: 20, end: 30 }).width).toBeGreaterThanOrEqual(5);
  });

  it("fills the width even when every band is at the same instant", () => {
    const scale = buildTimeScale([{ start: 5, end: 5 }], 300);
    expect(scale.band({ start: 5, end: 5 })).toEqual({ x: 0, width: 300 });
  });

  it("caps the minimum widths at their share of the width when there are many bands", () => {
    const bands = Array.from({ length: 1000 }, (_, i) => ({ start: i * 10, end: i * 10 + 5 }));
    const scale = buildTimeScale(bands, 500, { minBandWidth: 10, maxFixedShare: 0.5 });
    const rects = bands.map((b) => scale.band(b));
    expect(rects[rects.length - 1]!.x + rects[rects.length - 1]!.width).toBeLessThanOrEqual(500 + 1e-9);
    // 250 px of minimum widths over 1000 bands, the other 250 px by time over the 9,995 ms domain.
    expect(rects[0]!.width).toBeCloseTo(0.25 + (5 * 250) / 9995, 9);
  });

  it("lines up several rows built from one scale (draft against active)", () => {
    const draft = [
      { start: 0, end: 50 },
      { start: 60, end: 100 },
    ];
    const active = [{ start: 0, end: 100 }];
    const scale = buildTimeScale([...draft, ...active], 200, { minBandWidth: 10 });
    const d = draft.map((i) => scale.band(i));
    const a = scale.band(active[0]!);
    expect(d[0]!.x).toBe(a.x);
    expect(d[1]!.x + d[1]!.width).toBeCloseTo(a.x + a.width, 9);
  });

  it("handles no intervals and no width", () => {
    expect(buildTimeScale([], 500).domain).toBeNull();
    expect(buildTimeScale([{ start: 0, end: 1 }], 0).band({ start: 0, end: 1 })).toEqual({ x: 0, width: 0 });
  });

  it("keeps bands in time order, inside the width, never overlapping (property)", () => {
    const sortedDisjoint = fc
      .array(fc.tuple(fc.integer({ min: 0, max: 10 * DAY }), fc.integer({ min: 0, max: 5 * DAY })), {
        minLength: 1,
        maxLength: 300,
      })
      .map((pairs) => {
        let t = T0;
        return pairs.map(([gap, length]) => {
          const start = t + gap + 1;
          t = start + length;
          return { start, end: start + length } satisfies Interval;
        });
      });
    fc.assert(
      fc.property(sortedDisjoint, fc.integer({ min: 50, max: 3000 }), (bands, width) => {
        const scale = buildTimeScale(bands, width);
        const rects = bands.map((b) => scale.band(b));
        let previousEnd = 0;
        for (const r of rects) {
          expect(r.width).toBeGreaterThan(0);
          expect(r.x).toBeGreaterThanOrEqual(previousEnd - 1e-6);
          previousEnd = r.x + r.width;
        }
        expect(previousEnd).toBeLessThanOrEqual(width + 1e-6);
        // x() is monotonic and agrees with the band edges.
        for (let i = 1; i < bands.length; i++)
          expect(scale.x(bands[i]!.start)).toBeGreaterThanOrEqual(scale.x(bands[i - 1]!.end) - 1e-6);
      }),
      { numRuns: 150 },
    );
  });
});

describe("defaultMinBandWidth", () => {
  it("is generous for a few bands and a hairline for thousands", () => {
    expect(defaultMinBandWidth(4, 1000)).toBe(24);
    expect(defaultMinBandWidth(200, 1000)).toBe(2.5);
    expect(defaultMinBandWidth(100_000, 1000)).toBe(0.25);
    expect(defaultMinBandWidth(0, 1000)).toBe(0);
  });
});

describe("sequenceSlots", () => {
  it("splits the width into equal slots in order", () => {
    expect(sequenceSlots(4, 100)).toEqual([
      { x: 0, width: 25 },
      { x: 25, width: 25 },
      { x: 50, width: 25 },
      { x: 75, width: 25 },
    ]);
    expect(sequenceSlots(0, 100)).toEqual([]);
  });
});

describe("ticks", () => {
  it("picks the calendar unit from the span", () => {
    expect(tickUnitFor(10 * 365 * DAY)).toBe("year");
    expect(tickUnitFor(365 * DAY)).toBe("month");
    expect(tickUnitFor(30 * DAY)).toBe("day");
  });

  it("lists UTC calendar boundaries inside the range", () => {
    expect(calendarBoundaries(Date.UTC(2000, 5, 1), Date.UTC(2003, 0, 1), "year")).toEqual([
      Date.UTC(2001, 0, 1),
      Date.UTC(2002, 0, 1),
      Date.UTC(2003, 0, 1),
    ]);
    expect(calendarBoundaries(Date.UTC(2000, 10, 15), Date.UTC(2001, 1, 2), "month")).toEqual([
      Date.UTC(2000, 11, 1),
      Date.UTC(2001, 0, 1),
      Date.UTC(2001, 1, 1),
    ]);
  });

  it("labels years on a long log and drops ticks that would collide", () => {
    const bands = [
      { start: Date.UTC(1996, 3, 1), end: Date.UTC(1996, 5, 1) },
      { start: Date.UTC(2018, 3, 1), end: Date.UTC(2018, 5, 1) },
    ];
    const scale = buildTimeScale(bands, 600, { minBandWidth: 0 });
    const ticks = timeTicks(scale, 64);
    expect(ticks.length).toBeGreaterThan(3);
    expect(ticks.every((t) => /^\d{4}$/.test(t.label))).toBe(true);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]!.x - ticks[i - 1]!.x).toBeGreaterThanOrEqual(64);
  });

  it("labels the ends of a log that fits in one day", () => {
    const scale = buildTimeScale([{ start: T0 + 1000, end: T0 + 5000 }], 600);
    expect(timeTicks(scale).map((t) => t.label)).toEqual(["2001-03-04"]);
  });
});

describe("sequenceTicks", () => {
  it("labels every slot when there is room, counting from 1 at the slot centres", () => {
    expect(sequenceTicks(3, 300)).toEqual([
      { index: 0, x: 50, label: "1" },
      { index: 1, x: 150, label: "2" },
      { index: 2, x: 250, label: "3" },
    ]);
  });

  it("steps through round numbers (1, 2, 5, 10, 20, 50...) so labels stay apart", () => {
    const ticks = sequenceTicks(723, 1000, 40);
    expect(ticks.map((t) => t.label).slice(0, 4)).toEqual(["1", "50", "100", "150"]);
    for (let i = 1; i < ticks.length; i++)
      expect(ticks[i]!.x - ticks[i - 1]!.x).toBeGreaterThanOrEqual(40 - 1e-9 - 1000 / 723);
    expect(sequenceTicks(0, 1000)).toEqual([]);
  });
});
