import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { canonicalEventId } from "../ingest/records";
import { eventLogSteps, parseColumnMap, type EventLogImportOptions } from "./generic";
import { collectSteps } from "./test-helpers";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "liber-generic-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
function write(name: string, content: string | Buffer): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, content);
  return file;
}
const run = (file: string, opts: Partial<EventLogImportOptions> & Pick<EventLogImportOptions, "format" | "map">) =>
  collectSteps((ctx) => eventLogSteps(ctx, file, { tsFormat: "iso", ...opts }), { source: "shop" });

describe("parseColumnMap", () => {
  it("reads field=column pairs", () => {
    expect(parseColumnMap("user=uid, item=movie,ts=time,kind=action,value=score")).toEqual({
      user: "uid",
      item: "movie",
      ts: "time",
      kind: "action",
      value: "score",
    });
  });
  it("names what is wrong", () => {
    expect(() => parseColumnMap("user=uid,item=movie")).toThrow(/ts/);
    expect(() => parseColumnMap("user=uid,item=m,ts=t,colour=c")).toThrow(/unknown field "colour"/);
    expect(() => parseColumnMap("user=,item=m,ts=t")).toThrow(/names no column/);
    expect(() => parseColumnMap("user=a,user=b,item=m,ts=t")).toThrow(/mapped twice/);
  });
});

describe("generic CSV logs", () => {
  it("maps columns, parses each timestamp format and rejects bad rows", async () => {
    const file = write(
      "log.csv",
      [
        "uid,movie,time,action,score,note",
        'u1,"Movie, The",1700000000,click,,',
        "u2,m2,1700000000,view,2.5,hello",
        "u3,m3,1700000000,Click,1,", // bad kind
        "u4,m4,1700000000,click,NaN,", // NaN
        ",m5,1700000000,click,1,", // missing user
        "u6,m6,1700000000,click", // missing field
      ].join("\n"),
    );
    const out = await run(file, {
      format: "csv",
      map: { user: "uid", item: "movie", ts: "time", kind: "action", value: "score", text: "note" },
      tsFormat: "epoch-s",
    });
    expect(out.events).toHaveLength(2);
    expect(out.events[0]).toMatchObject({
      user: "u1",
      item: "Movie, The",
      tsMs: 1_700_000_000_000,
      kind: "click",
      value: null,
      text: null,
      source: "shop",
    });
    expect(out.events[1]).toMatchObject({ value: 2.5, text: "hello" });
    // default source event id: the hash of the canonical event
    const { file: _f, line: _l, source: _s, sourceEventId, ...canonical } = out.events[0]!;
    expect(sourceEventId).toBe(canonicalEventId(canonical));
    expect(out.rejected.map((r) => [r.line, r.reason])).toEqual([
      [4, 'bad kind "Click": use 1-32 characters a-z or _'],
      [5, "value is NaN"],
      [6, "missing field: user"],
      [7, "missing field: expected 6 fields (as in the header), found 4"],
    ]);
  });

  it("says which mapped columns the header lacks", async () => {
    const file = write("nohead.csv", "a,b,c\n1,2,3\n");
    await expect(run(file, { format: "csv", map: { user: "uid", item: "b", ts: "c" }, kind: "x" })).rejects.toThrow(
      /no column "uid" in the header\. Columns: a, b, c/,
    );
  });

  it("reads ISO timestamps (no offset = UTC), the --kind default and an id column", async () => {
    const file = write(
      "iso.csv",
      "user;item;when;eid\nu1;i1;2024-05-01T12:00:00Z;e1\nu1;i1;2024-05-01 14:00:00+02:00;e2\nu1;i1;2024-05-01T12:00:00;e3\nu1;i1;2024-02-30;e4\nu1;i1;2999-01-01T00:00:00Z;e5\n",
    );
    const out = await run(file, {
      format: "csv",
      delimiter: ";",
      map: { user: "user", item: "item", ts: "when", id: "eid" },
      kind: "view",
    });
    const t = Date.UTC(2024, 4, 1, 12);
    expect(out.events.map((e) => [e.sourceEventId, e.tsMs, e.kind])).toEqual([
      ["e1", t, "view"],
      ["e2", t, "view"],
      ["e3", t, "view"],
    ]);
    expect(out.rejected.map((r) => r.line)).toEqual([5, 6]);
    expect(out.rejected[0]!.reason).toMatch(/not a real date/);
    expect(out.rejected[1]!.reason).toMatch(/in the future/);
  });
});

describe("generic NDJSON logs", () => {
  it("reads objects (nested paths, numbers as ids) and rejects lines that are not", async () => {
    const file = write(
      "log.ndjson",
      Buffer.concat([
        Buffer.from(
          [
            '{"u": 7, "item": {"id": "m1"}, "t": 1700000000123, "v": 3}',
            "",
            "not json",
            "[1,2]",
            '{"u": 8, "item": {"id": "m1"}, "t": "1700000000123", "v": "Infinity"}',
            '{"u": 9, "item": {"id": "m1"}, "t": 1700000000123, "v": 1, "extra": true}',
          ].join("\n") + "\n",
        ),
        Buffer.from([0x7b, 0x22, 0x75, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d, 0x0a]), // {"u":"\xff"} invalid UTF-8
      ]),
    );
    const out = await run(file, {
      format: "ndjson",
      map: { user: "u", item: "item.id", ts: "t", value: "v" },
      tsFormat: "epoch-ms",
      kind: "play",
    });
    expect(out.events.map((e) => [e.user, e.item, e.tsMs, e.value])).toEqual([
      ["7", "m1", 1700000000123, 3],
      ["9", "m1", 1700000000123, 1],
    ]);
    expect(out.rejected.sort((a, b) => a.line - b.line).map((r) => [r.line, r.reason.split(":")[0]])).toEqual([
      [3, "not valid JSON"],
      [4, "expected a JSON object per line"],
      [5, "value is Infinity (not finite)"],
      [7, "invalid UTF-8 (replacement character U+FFFD in the row)"],
    ]);
  });

  it("loads an item catalogue first", async () => {
    const items = write(
      "items.ndjson",
      '{"id":"m1","title":"One","categories":["a","b"]}\n{"id":"m1","title":"Again"}\n{"id":"m2"}\n',
    );
    const file = write("e.ndjson", '{"u":"x","i":"m1","t":"2024-01-01T00:00:00Z"}\n');
    const out = await collectSteps((ctx) =>
      eventLogSteps(ctx, file, {
        format: "ndjson",
        map: { user: "u", item: "i", ts: "t" },
        tsFormat: "iso",
        kind: "view",
        items,
      }),
    );
    expect(out.items).toEqual([{ externalId: "m1", title: "One", categories: ["a", "b"] }]);
    expect(out.rejected.map((r) => r.reason)).toEqual(['duplicate item id "m1"', "missing field: title"]);
    expect(out.order).toEqual(["items", "events"]);
  });
});
