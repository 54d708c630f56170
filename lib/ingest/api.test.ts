import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { behaviorEventSchema, plainEventFields, toBehaviorEvent } from "./api";
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

describe("plainEventFields (the hand-checked fast path)", () => {
  const pick = (...values: unknown[]) => fc.constantFrom(...values);
  // Each field: often valid, sometimes at or past a limit, sometimes the wrong type.
  const field = {
    user: fc.oneof(
      pick("u1", "u2"),
      fc.string({ maxLength: 4 }),
      pick(" u ", "", " ", "x".repeat(256), "x".repeat(257), 5, null),
    ),
    item: fc.oneof(
      pick("i1"),
      fc.string({ maxLength: 4 }),
      pick(" i", "\t", "y".repeat(256), " " + "y".repeat(256), true),
    ),
    ts: fc.oneof(
      fc.integer({ min: 0, max: NOW }),
      pick("2024-05-01T12:00:00Z", "2024-05-01", "nope", "", 1.5, NaN, Infinity, -1, null, [1]),
    ),
    kind: fc.oneof(
      pick("click", "rate", "a_b", "", "Click", "k".repeat(32), "k".repeat(33), 1),
      fc.string({ maxLength: 3 }),
    ),
    value: pick(undefined, null, 0, -2.5, 1e300, NaN, Infinity, "1", {}),
    text: pick(undefined, null, "", "hello", "x".repeat(10_000), "x".repeat(10_001), 7),
    source: pick(undefined, "api", "a.b:c-d_1", "", "bad source", "s".repeat(64), "s".repeat(65), null),
    sourceEventId: pick(undefined, "e1", "", "e".repeat(256), "e".repeat(257), 3, null),
    extra: pick(undefined, undefined, undefined, 1),
  };
  const event = fc
    .oneof(fc.record(field, { requiredKeys: ["user", "item", "ts", "kind"] }), fc.record(field, { requiredKeys: [] }))
    .map((r) => {
      const { extra, ...rest } = r;
      return extra === undefined ? rest : { ...rest, valeu: extra };
    });

  // Valid events, with the optional fields present or not.
  const valid = fc.record(
    {
      user: pick("u1", " u2 ", "x".repeat(256)),
      item: pick("i1", "i 2"),
      ts: fc.oneof(fc.integer({ min: 0, max: NOW }), pick("2024-05-01T12:00:00Z", "2024-05-01")),
      kind: pick("click", "rate", "k".repeat(32)),
      value: pick(null, 0, 4.5),
      text: pick(null, "", "tag"),
      source: pick("api", "s".repeat(64)),
      sourceEventId: pick("e1", "e".repeat(256)),
    },
    { requiredKeys: ["user", "item", "ts", "kind"] },
  );

  it("accepts only what the schema accepts, with the same fields", () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(valid, event, fc.anything()), (value) => {
        const fast = plainEventFields(value);
        if (fast === null) return;
        accepted++;
        const parsed = behaviorEventSchema.safeParse(value);
        expect(parsed.success).toBe(true);
        expect(fast).toEqual(parsed.data);
      }),
      { numRuns: 20_000 },
    );
    expect(accepted).toBeGreaterThan(3000); // the fast path is exercised, not vacuous
  });

  it("takes the usual events (so the schema only sees the odd ones)", () => {
    expect(plainEventFields(base)).toEqual({ ...base, source: "api" });
    expect(plainEventFields({ ...base, value: 4.5, text: null, source: "ml", sourceEventId: "r:1" })).not.toBeNull();
    expect(plainEventFields({ ...base, valeu: 1 })).toBeNull();
    expect(plainEventFields(JSON.parse('{"user":"u","item":"i","ts":1,"kind":"k","__proto__":{}}'))).toBeNull();
  });
});
