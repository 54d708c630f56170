import { describe, expect, it } from "vitest";
import { checkKind, checkTimestampMs, parseFiniteNumber, parseIsoTimestamp, parseTimestamp } from "./validate";

const NOW = Date.UTC(2025, 0, 1);

describe("parseFiniteNumber", () => {
  it("accepts decimals and rejects the rest with a reason", () => {
    expect(parseFiniteNumber("rating", "4.5")).toEqual({ ok: true, value: 4.5 });
    expect(parseFiniteNumber("rating", " -1e3 ")).toEqual({ ok: true, value: -1000 });
    expect(parseFiniteNumber("rating", "")).toEqual({ ok: false, reason: "missing field: rating" });
    expect(parseFiniteNumber("rating", "12abc")).toEqual({ ok: false, reason: 'bad number in rating: "12abc"' });
    expect(parseFiniteNumber("rating", "NaN")).toEqual({ ok: false, reason: "rating is NaN" });
    expect(parseFiniteNumber("rating", "-Infinity")).toEqual({ ok: false, reason: "rating is -Infinity (not finite)" });
    expect(parseFiniteNumber("rating", "1e400")).toEqual({ ok: false, reason: "rating is 1e400 (not finite)" });
  });
});

describe("timestamps", () => {
  it("reads ISO 8601 with Z, offsets, or none (UTC)", () => {
    const t = Date.UTC(2024, 4, 1, 12, 0, 0, 250);
    expect(parseIsoTimestamp("2024-05-01T12:00:00.250Z")).toEqual({ ok: true, ms: t });
    expect(parseIsoTimestamp("2024-05-01T14:00:00.25+02:00")).toEqual({ ok: true, ms: t });
    expect(parseIsoTimestamp("2024-05-01T14:00:00.250+0200")).toEqual({ ok: true, ms: t });
    expect(parseIsoTimestamp("2024-05-01 12:00:00.250")).toEqual({ ok: true, ms: t });
    expect(parseIsoTimestamp("2024-05-01")).toEqual({ ok: true, ms: Date.UTC(2024, 4, 1) });
  });

  it("rejects dates that do not exist and text that is not ISO", () => {
    expect(parseIsoTimestamp("2023-02-29")).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not a real date/),
    });
    expect(parseIsoTimestamp("2024-02-29")).toMatchObject({ ok: true });
    expect(parseIsoTimestamp("2024-05-01T24:00:00Z")).toMatchObject({ ok: false });
    expect(parseIsoTimestamp("May 1, 2024")).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/expected ISO 8601/),
    });
  });

  it("converts epoch seconds/milliseconds and checks the range", () => {
    expect(parseTimestamp("964982703", "epoch-s", NOW)).toEqual({ ok: true, ms: 964982703000 });
    expect(parseTimestamp("964982703123", "epoch-ms", NOW)).toEqual({ ok: true, ms: 964982703123 });
    expect(parseTimestamp("-1", "epoch-s", NOW)).toEqual({
      ok: false,
      reason: "negative timestamp (-1000 ms, before 1970)",
    });
    expect(parseTimestamp(String(NOW + 23 * 3600_000), "epoch-ms", NOW)).toMatchObject({ ok: true });
    expect(parseTimestamp(String(NOW + 25 * 3600_000), "epoch-ms", NOW)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^timestamp in the future/),
    });
    expect(parseTimestamp(undefined, "iso", NOW)).toEqual({ ok: false, reason: "missing field: ts" });
    expect(checkTimestampMs(Number.NaN, NOW)).toMatch(/not a finite/);
  });
});

describe("checkKind", () => {
  it("allows 1-32 characters a-z and _", () => {
    expect(checkKind("add_to_cart")).toBeNull();
    expect(checkKind("Rate")).toMatch(/bad kind/);
    expect(checkKind("a".repeat(33))).toMatch(/bad kind/);
    expect(checkKind("")).toBe("missing field: kind");
  });
});
