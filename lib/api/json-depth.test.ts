import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nestsDeeperThan } from "./json-depth";

/** The nesting depth of a parsed JSON value (the reference the byte scan must agree with). */
function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (value !== null && typeof value === "object") return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

const bytes = (text: string) => new TextEncoder().encode(text);
// Strings full of what the scan must not count: brackets, quotes and backslashes inside strings.
const tricky = fc.string({ unit: fc.constantFrom("[", "]", "{", "}", '"', "\\", "a", "é", "\n") });
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    tricky,
    fc.integer(),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(tricky, tie("value"), { maxKeys: 3 }),
  ),
})).value;

describe("nestsDeeperThan", () => {
  it("agrees with the depth of the parsed value, whatever the strings hold", () => {
    fc.assert(
      fc.property(json, fc.integer({ min: 0, max: 6 }), (value, limit) => {
        expect(nestsDeeperThan(bytes(JSON.stringify(value)), limit)).toBe(depthOf(value) > limit);
      }),
    );
  });

  it("per line (NDJSON), starts again at every line", () => {
    fc.assert(
      fc.property(fc.array(json, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 6 }), (values, limit) => {
        const text = values.map((v) => JSON.stringify(v)).join("\n");
        expect(nestsDeeperThan(bytes(text), limit, true)).toBe(Math.max(...values.map(depthOf)) > limit);
      }),
    );
  });

  it("refuses 300,000 nested brackets without recursing", () => {
    expect(nestsDeeperThan(bytes("[".repeat(300_000)), 64)).toBe(true);
    expect(nestsDeeperThan(bytes(`${"[".repeat(64)}${"]".repeat(64)}`), 64)).toBe(false);
  });
});
