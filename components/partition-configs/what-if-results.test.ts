import { describe, expect, it } from "vitest";
import type { PartitionConfigView } from "@/lib/partitions/api-client";
import { defaultPair } from "./diff-section";
import { bucketLabel } from "./size-histogram-chart";
import { formatCompact, formatCost } from "./what-if-results";

describe("formatCost", () => {
  it("shows cents for ordinary amounts, more digits for tiny ones, whole dollars for large ones", () => {
    expect(formatCost(0)).toBe("$0");
    expect(formatCost(0.0042)).toBe("$0.0042");
    expect(formatCost(1.336)).toBe("$1.34");
    expect(formatCost(12345.6)).toBe("$12,346");
  });
});

describe("formatCompact", () => {
  it("abbreviates token counts from ten thousand up", () => {
    expect(formatCompact(812)).toBe("812");
    expect(formatCompact(9_999)).toBe("9,999");
    expect(formatCompact(35_400)).toBe("35.4k");
    expect(formatCompact(995_000)).toBe("995k");
    expect(formatCompact(4_900_000)).toBe("4.9M");
    expect(formatCompact(2_000_000_000)).toBe("2.0B");
  });
});

describe("bucketLabel", () => {
  it("names one-size buckets by their size and others by their range", () => {
    expect(bucketLabel({ min: 50, max: 50 })).toBe("50");
    expect(bucketLabel({ min: 10, max: 19 })).toBe("10–19");
  });
});

describe("defaultPair", () => {
  const version = (id: number, labels: string[] = []): PartitionConfigView => ({
    id,
    name: "default",
    version: id,
    config: { maxCount: 50 },
    note: null,
    createdAt: "2026-01-01T00:00:00.000Z",
    labels,
    partitionCount: 0,
    userCount: 0,
  });

  it("compares the active version with the newest other one", () => {
    expect(defaultPair([version(3), version(2, ["active"]), version(1)])).toEqual([2, 3]);
    expect(defaultPair([version(3, ["active"]), version(2), version(1)])).toEqual([3, 2]);
  });

  it("falls back to the two newest without an active version, and needs two versions", () => {
    expect(defaultPair([version(3), version(2)])).toEqual([2, 3]);
    expect(defaultPair([version(1)])).toBeNull();
  });
});
