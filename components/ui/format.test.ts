import { describe, expect, it } from "vitest";
import { formatAttribute, formatDate, formatDateTime, formatDuration, formatNumber, formatValue } from "./format";

describe("format", () => {
  it("formats dates in UTC and missing values as a dash", () => {
    expect(formatDate("2024-03-05T23:30:00.000Z")).toBe("2024-03-05");
    expect(formatDateTime("2024-03-05T23:30:09.000Z")).toBe("2024-03-05 23:30");
    expect(formatDate(null)).toBe("–");
  });

  it("formats durations at a readable precision", () => {
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(4210)).toBe("4.2 s");
    expect(formatDuration(185_000)).toBe("3 min 05 s");
    expect(formatDuration(3_720_000)).toBe("1 h 02 min");
    expect(formatDuration(null)).toBe("–");
  });

  it("formats numbers, values and attributes", () => {
    expect(formatNumber(100836)).toBe("100,836");
    expect(formatValue(4)).toBe("4");
    expect(formatValue(3.5)).toBe("3.5");
    expect(formatValue(null)).toBe("–");
    expect(formatAttribute({ a: 1 })).toBe('{"a":1}');
    expect(formatAttribute(false)).toBe("false");
  });
});
