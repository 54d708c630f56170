import { describe, expect, it } from "vitest";
import { ApiError } from "../api/errors";
import { parseEventPayload, readBodyCapped } from "./body";

const stream = (...parts: string[]) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (const p of parts) c.enqueue(new TextEncoder().encode(p));
      c.close();
    },
  });

async function status(promise: Promise<unknown> | (() => unknown)): Promise<number | string> {
  try {
    await (typeof promise === "function" ? promise() : promise);
    return "ok";
  } catch (err) {
    return err instanceof ApiError ? err.status : String(err);
  }
}

describe("readBodyCapped", () => {
  it("reads a body under the cap", async () => {
    expect(new TextDecoder().decode(await readBodyCapped(stream("ab", "cd"), null, 4))).toBe("abcd");
  });
  it("stops at the cap even when Content-Length is missing or lies", async () => {
    expect(await status(readBodyCapped(stream("abc", "de"), null, 4))).toBe(413);
    expect(await status(readBodyCapped(stream("abc", "de"), "3", 4))).toBe(413);
    expect(await status(readBodyCapped(stream("a"), "5", 4))).toBe(413); // declared too large: refused up front
  });
});

describe("parseEventPayload", () => {
  const bytes = (s: string) => new TextEncoder().encode(s);
  it("reads a JSON array", () => {
    expect(parseEventPayload(bytes('[{"a":1},{"b":2}]'), "application/json")).toEqual([
      { index: 0, value: { a: 1 } },
      { index: 1, value: { b: 2 } },
    ]);
  });
  it("reads NDJSON, a bad line being that event's error", () => {
    const out = parseEventPayload(bytes('{"a":1}\n\nnope\n{"c":3}\n'), "application/x-ndjson; charset=utf-8");
    expect(out).toEqual([
      { index: 0, value: { a: 1 } },
      { index: 1, error: expect.stringMatching(/^line 2 is not valid JSON/) },
      { index: 2, value: { c: 3 } },
    ]);
  });
  it("refuses what is not a JSON array (400), too many events (413) and invalid UTF-8 (400)", async () => {
    expect(await status(() => parseEventPayload(bytes("{not json"), "application/json"))).toBe(400);
    expect(await status(() => parseEventPayload(bytes('{"user":"u"}'), "application/json"))).toBe(400);
    expect(await status(() => parseEventPayload(bytes("[1,2,3]"), "application/json", 2))).toBe(413);
    expect(await status(() => parseEventPayload(bytes("1\n2\n3\n"), "application/x-ndjson", 2))).toBe(413);
    expect(await status(() => parseEventPayload(new Uint8Array([0x5b, 0xff, 0x5d]), "application/json"))).toBe(400);
  });
  it("makes an event holding U+0000 (in a value or a key, however deep) that event's error", () => {
    const body = '[{"a":"x"},{"b":{"c":["ok","y\\u0000"]}},{"d\\u0000":1},{"e":"\\\\u0000 is text"}]';
    expect(parseEventPayload(bytes(body), "application/json")).toEqual([
      { index: 0, value: { a: "x" } },
      { index: 1, error: expect.stringMatching(/^b\.c\.1: /) },
      { index: 2, error: expect.stringMatching(/^d\u0000: /) },
      { index: 3, value: { e: "\\u0000 is text" } },
    ]);
  });
});
