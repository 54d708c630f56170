import { describe, expect, it } from "vitest";
import { bucketLabel, chartRows } from "./activity-chart";

describe("activity chart data", () => {
  it("labels months by name and days and weeks by date", () => {
    expect(bucketLabel("2018-03-01T00:00:00.000Z", "month")).toBe("Mar 2018");
    expect(bucketLabel("2018-03-12T00:00:00.000Z", "week")).toBe("2018-03-12");
  });

  it("gives each kind a positional field, zero where the bucket has none", () => {
    const rows = chartRows({
      bucket: "month",
      kinds: ["rating", "click"],
      points: [
        { start: "2018-01-01T00:00:00.000Z", total: 2, byKind: { rating: 1, click: 1 }, meanRating: 4 },
        { start: "2018-02-01T00:00:00.000Z", total: 0, byKind: {}, meanRating: null },
      ],
    });
    expect(rows).toEqual([
      { start: "2018-01-01T00:00:00.000Z", total: 2, meanRating: 4, kind0: 1, kind1: 1 },
      { start: "2018-02-01T00:00:00.000Z", total: 0, meanRating: null, kind0: 0, kind1: 0 },
    ]);
  });
});
