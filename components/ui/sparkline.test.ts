import { describe, expect, it } from "vitest";
import { sparklineGeometry } from "./sparkline";

describe("sparklineGeometry", () => {
  it("scales the largest value to the top and zero to the bottom", () => {
    const g = sparklineGeometry([0, 2, 1], 102, 22, 1);
    expect(g.line).toBe("M1 21 L51 1 L101 11");
    expect(g.area).toBe("M1 21 L51 1 L101 11 L101 21 L1 21 Z");
    expect(g.last).toEqual({ x: 101, y: 11 });
  });

  it("centres a single value as a short level stroke and draws nothing for none", () => {
    const one = sparklineGeometry([5], 100, 20, 0);
    expect(one.last).toEqual({ x: 50, y: 0 });
    expect(one.line).toBe("M44 0 L50 0");
    expect(sparklineGeometry([], 100, 20)).toEqual({ line: "", area: "", last: null });
  });

  it("keeps an all-zero series flat on the bottom", () => {
    expect(sparklineGeometry([0, 0], 10, 10, 0).line).toBe("M0 10 L10 10");
  });
});
