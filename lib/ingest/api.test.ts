import { describe, expect, it } from "vitest";
import { toBehaviorEvent } from "./api";
import { canonicalEventId } from "./records";

const NOW = Date.UTC(2025, 0, 1);
const base = { user: "u1", item: "i1", ts: "2024-05-01T12:00:00Z", kind: "click" };

describe("toBehaviorEvent", () => {
  it("normalises a valid event: ISO or epoch ms, default source and source event id", () => {
    const a = toBehaviorEvent(base, NOW);
    const b = toBehaviorEvent({ ...base, ts: Date.UTC(2024, 4, 1, 12) }, NOW);
    expect(a).toEqual(b);
    expect(a).toEqual({
      ok: true,
      event: {
        user: "u1",
        item: "i1",
        tsMs: Date.UTC(2024, 4, 1, 12),
        kind: "click",
        value: null,
        text: null,
        source: "api",
        sourceEventId: canonicalEventId({
          user: "u1",
          item: "i1",
          tsMs: Date.UTC(2024, 4, 1, 12),
          kind: "click",
          value: null,
          text: null,
        }),
      },
    });
    expect(toBehaviorEvent({ ...base, value: 4.5, source: "shop", sourceEventId: "e-1" }, NOW)).toMatchObject({
      ok: true,
      event: { value: 4.5, source: "shop", sourceEventId: "e-1" },
    });
  });

  it("explains what is wrong", () => {
    const message = (v: unknown) => {
      const r = toBehaviorEvent(v, NOW);
      return r.ok ? "ok" : r.message;
    };
    expect(message({ ...base, kind: "Add To Cart" })).toMatch(/^kind: kind must be 1-32 characters/);
    expect(message({ ...base, valeu: 3 })).toMatch(/Unrecognized key.*valeu/);
    expect(message({ ...base, user: "" })).toMatch(/^user: user is empty/);
    expect(message({ ...base, ts: "yesterday" })).toMatch(/^ts: bad timestamp "yesterday"/);
    expect(message({ ...base, ts: -1 })).toMatch(/^ts: negative timestamp/);
    expect(message({ ...base, ts: NOW + 2 * 86_400_000 })).toMatch(/^ts: timestamp in the future/);
    expect(message({ ...base, value: "4" })).toMatch(/^value:/);
    expect(message({ ...base, item: "x".repeat(257) })).toMatch(/^item:/);
    expect(message("just a string")).toMatch(/expected object/);
  });
});
