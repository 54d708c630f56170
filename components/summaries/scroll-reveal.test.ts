import { describe, expect, it } from "vitest";
import { scrollTopToReveal } from "./scroll-reveal";

const view = { top: 200, height: 400 };

describe("scrollTopToReveal", () => {
  it("does not move when the item is already in view", () => {
    expect(scrollTopToReveal(view, { top: 250, height: 100 })).toBe(200);
    expect(scrollTopToReveal(view, { top: 200, height: 400 })).toBe(200);
  });

  it("aligns the top of an item above the view", () => {
    expect(scrollTopToReveal(view, { top: 120, height: 100 })).toBe(120);
  });

  it("aligns the bottom of an item below the view", () => {
    expect(scrollTopToReveal(view, { top: 650, height: 100 })).toBe(350);
    expect(scrollTopToReveal(view, { top: 550, height: 100 })).toBe(250);
  });

  it("shows the top of an item taller than the view", () => {
    expect(scrollTopToReveal(view, { top: 700, height: 900 })).toBe(700);
  });
});
