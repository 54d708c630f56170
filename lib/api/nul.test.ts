import { describe, expect, it } from "vitest";
import { safeText, safeTexts } from "./nul";

describe("safeText", () => {
  it("escapes U+0000 and lone surrogates, keeps pairs, and is idempotent", () => {
    expect(safeText("a\u0000b")).toBe("a\\u0000b");
    expect(safeText("x\ud800y\udc00z")).toBe("x\\ud800y\\udc00z");
    expect(safeText("emoji \ud83d\ude00 ok")).toBe("emoji \ud83d\ude00 ok");
    const once = safeText("k\u0000\udfff");
    expect(safeText(once)).toBe(once);
    expect(Buffer.from(once, "utf8").toString("utf8")).toBe(once);
  });

  it("reaches strings and keys inside values", () => {
    expect(safeTexts([{ path: "a\u0000", message: "m\ud800" }, 1, null])).toEqual([
      { path: "a\\u0000", message: "m\\ud800" },
      1,
      null,
    ]);
    expect(safeTexts({ "k\u0000": "v" })).toEqual({ "k\\u0000": "v" });
  });
});
