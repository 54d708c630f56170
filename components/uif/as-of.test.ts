import { describe, expect, it } from "vitest";
import { asOfInputValue, asOfIso, asOfText } from "./as-of";

describe("as-of", () => {
  it("reads the picker's value as UTC", () => {
    expect(asOfIso("2018-03-01T12:30")).toBe("2018-03-01T12:30:00.000Z");
    expect(asOfIso("2018-03-01T12:30:15")).toBe("2018-03-01T12:30:15.000Z");
    expect(asOfText("2018-03-01T12:30")).toBe("2018-03-01 12:30 UTC");
  });

  it("means now when empty or invalid", () => {
    expect(asOfIso("")).toBeUndefined();
    expect(asOfIso("2018-13-45T99:00")).toBeUndefined();
    expect(asOfText("")).toBe("now");
  });

  it("round-trips an instant to the minute", () => {
    expect(asOfInputValue("2020-02-29T23:59:59.999Z")).toBe("2020-02-29T23:59");
    expect(asOfIso(asOfInputValue(new Date(Date.UTC(2001, 0, 2, 3, 4))))).toBe("2001-01-02T03:04:00.000Z");
  });
});
