import { describe, expect, it } from "vitest";
import { parseDuration } from "./token";

describe("liber token create --expires", () => {
  it("reads hours, days and weeks", () => {
    expect(parseDuration("30d")).toBe(30 * 86_400_000);
    expect(parseDuration("12h")).toBe(12 * 3_600_000);
    expect(parseDuration("2W")).toBe(14 * 86_400_000);
  });

  it("refuses anything else", () => {
    for (const bad of ["", "30", "d", "0d", "-1d", "1.5d", "30 days", "99999w"])
      expect(parseDuration(bad), bad).toBeNull();
  });
});
