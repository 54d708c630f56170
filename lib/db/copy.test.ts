import fc from "fast-check";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { sqlTextLiteral, textArrayLiteral } from "./copy";

// Strings rich in what the escaping is about: quotes, backslashes, commas, braces.
const tricky = fc.string({ unit: fc.constantFrom("a", "é", "'", "\\", '"', ",", "{", "}", " ", "E", "\n") });

describe("sqlTextLiteral", () => {
  it("gives the same literal as pg's escapeLiteral", () => {
    const escapeLiteral = pg.Client.prototype.escapeLiteral;
    fc.assert(
      fc.property(fc.oneof(tricky, fc.string()), (s) => {
        expect(sqlTextLiteral(s)).toBe(escapeLiteral(s));
      }),
    );
    expect(sqlTextLiteral("it's")).toBe("'it''s'");
    expect(sqlTextLiteral("a\\b'")).toBe(" E'a\\\\b'''");
  });
});

describe("textArrayLiteral", () => {
  it("quotes every element and escapes quotes and backslashes", () => {
    expect(textArrayLiteral([])).toBe("{}");
    expect(textArrayLiteral(["a", "b c"])).toBe('{"a","b c"}');
    expect(textArrayLiteral(['say "hi"', "a\\b", ""])).toBe('{"say \\"hi\\"","a\\\\b",""}');
  });

  it("reads back as the same list in PostgreSQL's array syntax", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(tricky, fc.string())), (values) => {
        expect(parseTextArray(textArrayLiteral(values))).toEqual(values);
      }),
    );
  });
});

/** A reader of the quoted-element form only (what textArrayLiteral writes), after PostgreSQL's rules. */
function parseTextArray(literal: string): string[] {
  expect(literal.startsWith("{") && literal.endsWith("}")).toBe(true);
  const out: string[] = [];
  let i = 1;
  while (i < literal.length - 1) {
    expect(literal[i]).toBe('"');
    let value = "";
    i++;
    while (literal[i] !== '"') {
      if (literal[i] === "\\") i++;
      value += literal[i];
      i++;
    }
    out.push(value);
    i++; // closing quote
    if (literal[i] === ",") i++;
  }
  return out;
}
