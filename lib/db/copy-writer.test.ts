import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { copyNumber, copyText } from "./copy";
import { CopyTextWriter } from "./copy-writer";

function written(write: (out: CopyTextWriter) => void, chunkBytes?: number): string {
  const out = new CopyTextWriter(chunkBytes);
  write(out);
  return Buffer.concat(out.finish()).toString("utf8");
}

describe("CopyTextWriter", () => {
  it("writes text as copyText does: escapes, non-ASCII, null", () => {
    fc.assert(
      fc.property(fc.option(fc.string({ unit: "binary" }), { nil: null }), (value) => {
        expect(written((out) => out.text(value))).toBe(Buffer.from(copyText(value), "utf8").toString("utf8"));
      }),
      { numRuns: 3000 },
    );
    expect(written((out) => out.text("a\\b\tc\nd\re"))).toBe("a\\\\b\\tc\\nd\\re");
    expect(written((out) => out.text("größe\tß"))).toBe("größe\\tß");
    expect(written((out) => out.text(null))).toBe("\\N");
  });

  it("writes numbers as copyNumber does", () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.double(), fc.constant(null)), (value) => {
        expect(written((out) => out.number(value))).toBe(copyNumber(value));
      }),
      { numRuns: 5000 },
    );
    for (const v of [0, -0, 9, 10, 99, 100, -1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1e21, 3.5, NaN]) {
      expect(written((out) => out.number(v))).toBe(copyNumber(v));
    }
  });

  it("writes timestamps as toISOString does, four-digit years and beyond", () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
        expect(written((out) => out.timestamp(ms))).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 5000 },
    );
    for (const ms of [
      0,
      86_399_999,
      86_400_000,
      951_782_400_000 /* 2000-02-29 */,
      Date.UTC(2100, 1, 28, 23, 59, 59, 999),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      Date.UTC(10000, 0, 1),
      -1,
    ]) {
      expect(written((out) => out.timestamp(ms))).toBe(new Date(ms).toISOString());
    }
  });

  it("gives the same bytes whatever the chunk size, rows split across chunks included", () => {
    const rows = Array.from({ length: 200 }, (_, i) => ({
      id: i * 7919,
      text: i % 3 ? `t${i}\tü` : null,
      ts: i * 3_600_123,
    }));
    const write = (out: CopyTextWriter) => {
      for (const r of rows) {
        out.integer(r.id);
        out.tab();
        out.text(r.text);
        out.tab();
        out.timestamp(r.ts);
        out.endRow();
      }
    };
    const whole = written(write, 1 << 20);
    expect(whole.split("\n")).toHaveLength(201);
    for (const size of [1, 7, 64]) {
      const out = new CopyTextWriter(size);
      write(out);
      const chunks = [...out.takeFullChunks(), ...out.finish()];
      expect(chunks.length).toBeGreaterThan(1);
      expect(Buffer.concat(chunks).toString("utf8")).toBe(whole);
    }
  });
});
