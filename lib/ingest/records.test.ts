import { describe, expect, it } from "vitest";
import { copyText, textArrayLiteral } from "../db/copy";
import { canonicalEventId, EventBatch } from "./records";

describe("COPY text encoding", () => {
  it("escapes the characters COPY treats specially", () => {
    expect(copyText("plain")).toBe("plain");
    expect(copyText("a\tb\nc\\d\re")).toBe("a\\tb\\nc\\\\d\\re");
    expect(copyText(null)).toBe("\\N");
    expect(copyText("\\N")).toBe("\\\\N"); // the text "\N" is not NULL
  });

  it("writes text[] literals with every element quoted", () => {
    const literal = textArrayLiteral(["Sci-Fi", 'say "hi"', "a,b", "{x}", "back\\slash"]);
    expect(literal).toBe('{"Sci-Fi","say \\"hi\\"","a,b","{x}","back\\\\slash"}');
    // In COPY text, the literal's backslashes are escaped once more.
    expect(copyText(literal)).toBe('{"Sci-Fi","say \\\\"hi\\\\"","a,b","{x}","back\\\\\\\\slash"}');
    expect(textArrayLiteral([])).toBe("{}");
  });
});

describe("canonicalEventId", () => {
  const e = { user: "u1", item: "i1", tsMs: 1, kind: "click", value: null, text: null };
  it("is stable and changes with any field", () => {
    expect(canonicalEventId(e)).toBe(canonicalEventId({ ...e }));
    expect(canonicalEventId(e)).toMatch(/^[0-9a-f]{64}$/);
    for (const change of [{ user: "u2" }, { item: "i2" }, { tsMs: 2 }, { kind: "view" }, { value: 0 }, { text: "" }]) {
      expect(canonicalEventId({ ...e, ...change })).not.toBe(canonicalEventId(e));
    }
  });
});

describe("EventBatch", () => {
  it("drops repeats of a (source, source event id) and counts them", () => {
    const batch = new EventBatch();
    const ev = {
      user: "u",
      item: "i",
      tsMs: 5,
      kind: "rate",
      value: 4.5,
      text: "x\ty",
      source: "s",
      sourceEventId: "e1",
    };
    batch.add(ev, { file: 0, line: 2 });
    batch.add({ ...ev, value: 1 }, { file: 0, line: 3 });
    batch.add({ ...ev, source: "other" }, { file: 0, line: 4 });
    expect(batch.size).toBe(2);
    expect(batch.duplicatesInBatch).toBe(1);
    expect(batch.singleSource).toBeNull();
    expect(batch.stageLine(0)).toBe("0\t2\tu\ti\t5\trate\t4.5\tx\\ty\ts\te1\n");
    expect([batch.line(0), batch.line(1)]).toEqual([2, 4]);
    expect([batch.source(1), batch.value(1), batch.text(1)]).toEqual(["other", 4.5, "x\ty"]);
  });
});
