import { describe, expect, it } from "vitest";
import type { VectorColumn } from "@/lib/uif/contract";
import { chartRows, driftDomain, largestShift, windowWeight } from "./vectors-model";

const col = (seq: number, drift: number | null, weight: number): VectorColumn => ({
  seq,
  startTs: "2001-01-01T00:00:00.000Z",
  endTs: "2001-01-02T00:00:00.000Z",
  sealedAt: "2001-01-02T00:00:00.000Z",
  count: 3,
  summary: "s",
  shift: seq ? `shift ${seq}` : null,
  values: [],
  xy: [0, 0],
  drift,
  weight,
});

describe("vectors chart rows", () => {
  const rows = chartRows([col(0, null, 0.2), col(1, 0.9, 0.3), col(2, 0.35, 0.4)]);

  it("labels partitions 1-based and carries drift, shift and weight", () => {
    expect(rows.map((r) => r.label)).toEqual(["P1", "P2", "P3"]);
    expect(rows[1]).toMatchObject({ drift: 0.9, shift: "shift 1", weight: 0.3, dates: "2001-01-01 – 2001-01-02" });
  });

  it("finds the biggest shift and the window's share of attention", () => {
    expect(largestShift(rows)?.seq).toBe(2);
    expect(largestShift(chartRows([col(0, null, 1)]))).toBeNull();
    expect(windowWeight(rows)).toBeCloseTo(0.9);
  });

  it("keeps 1 at the top and goes below zero only when a similarity does", () => {
    expect(driftDomain(rows)).toEqual([0, 1]);
    expect(driftDomain([{ drift: -0.23 }, { drift: null }])).toEqual([-0.3, 1]);
    expect(driftDomain([])).toEqual([0, 1]);
  });
});
