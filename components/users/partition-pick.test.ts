import { describe, expect, it } from "vitest";
import { cascadeSeqOf, pickFromCascade, togglePick } from "./partition-pick";

describe("togglePick", () => {
  it("picks a partition, and another one in its place", () => {
    expect(togglePick(null, { seq: 2, open: false })).toEqual({ seq: 2, open: false });
    expect(togglePick({ seq: 2, open: false }, { seq: 3, open: false })).toEqual({ seq: 3, open: false });
  });

  it("unpicks the partition picked again", () => {
    expect(togglePick({ seq: 2, open: false }, { seq: 2, open: false })).toBeNull();
  });

  it("tells the open cache from a sealed partition of the same seq", () => {
    expect(togglePick({ seq: 5, open: false }, { seq: 5, open: true })).toEqual({ seq: 5, open: true });
  });
});

describe("cascadeSeqOf", () => {
  it("outlines the card of a sealed partition", () => {
    expect(cascadeSeqOf({ seq: 4, open: false })).toBe(4);
    expect(cascadeSeqOf({ seq: 0, open: false })).toBe(0);
  });

  it("outlines no card for the open cache or no pick", () => {
    expect(cascadeSeqOf({ seq: 7, open: true })).toBeNull();
    expect(cascadeSeqOf(null)).toBeNull();
  });
});

describe("pickFromCascade", () => {
  it("picks the card's sealed partition, or nothing when the card is clicked again", () => {
    expect(pickFromCascade(3)).toEqual({ seq: 3, open: false });
    expect(pickFromCascade(0)).toEqual({ seq: 0, open: false });
    expect(pickFromCascade(null)).toBeNull();
  });
});
