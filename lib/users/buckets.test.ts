import { describe, expect, it } from "vitest";
import { bucketRange, bucketStart, chooseBucket } from "./buckets";

const d = (s: string) => new Date(s);
const iso = (dates: Date[]) => dates.map((x) => x.toISOString().slice(0, 10));

describe("buckets", () => {
  it("truncates in UTC, weeks starting on Monday like PostgreSQL", () => {
    expect(bucketStart(d("2024-03-03T23:30:00Z"), "week").toISOString()).toBe("2024-02-26T00:00:00.000Z"); // Sunday
    expect(bucketStart(d("2024-03-04T00:00:00Z"), "week").toISOString()).toBe("2024-03-04T00:00:00.000Z"); // Monday
    expect(bucketStart(d("2024-02-29T23:59:59Z"), "month").toISOString()).toBe("2024-02-01T00:00:00.000Z");
    expect(bucketStart(d("2024-02-29T23:59:59Z"), "day").toISOString()).toBe("2024-02-29T00:00:00.000Z");
  });

  it("lists every bucket between two dates, both ends included", () => {
    expect(iso(bucketRange(d("2023-11-15T00:00:00Z"), d("2024-02-01T00:00:00Z"), "month"))).toEqual([
      "2023-11-01",
      "2023-12-01",
      "2024-01-01",
      "2024-02-01",
    ]);
    expect(iso(bucketRange(d("2024-01-31T10:00:00Z"), d("2024-01-31T11:00:00Z"), "day"))).toEqual(["2024-01-31"]);
    expect(bucketRange(d("2024-01-01T00:00:00Z"), d("2024-12-31T00:00:00Z"), "week")).toHaveLength(53);
  });

  it("chooses days, weeks or months from the span", () => {
    expect(chooseBucket(d("2024-01-01"), d("2024-01-01"))).toBe("day");
    expect(chooseBucket(d("2024-01-01"), d("2024-06-01"))).toBe("week");
    expect(chooseBucket(d("2010-01-01"), d("2024-06-01"))).toBe("month");
  });
});
