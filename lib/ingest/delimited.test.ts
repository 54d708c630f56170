import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseCsv } from "csv-parse/sync";
import { readRows, splitQuoted, type Row } from "./delimited";
import { readLines, type TextEncoding } from "./lines";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "liber-delimited-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const write = (content: string | Buffer) => {
  const file = path.join(tmp, `f${n++}`);
  fs.writeFileSync(file, content);
  return file;
};

async function rows(
  content: string | Buffer,
  opts: { delimiter?: string; quoted?: boolean; encoding?: TextEncoding; chunkSize?: number } = {},
) {
  const out: Row[] = [];
  for await (const chunk of readRows(write(content), {
    delimiter: opts.delimiter ?? ",",
    quoted: opts.quoted ?? true,
    encoding: opts.encoding ?? "utf8",
    chunkSize: opts.chunkSize,
  })) {
    out.push(...chunk);
  }
  return out;
}

describe("readRows (CSV)", () => {
  it("splits quoted fields with commas, doubled quotes and line breaks, keeping line numbers", async () => {
    const csv =
      'id,title\r\n1,"American President, The (1995)"\r\n2,"""Quoted"" title"\r\n\r\n3,"two\r\nlines"\r\n4,plain\r\n';
    expect(await rows(csv)).toEqual([
      { fields: ["id", "title"], line: 1 },
      { fields: ["1", "American President, The (1995)"], line: 2 },
      { fields: ["2", '"Quoted" title'], line: 3 },
      { fields: ["3", "two\nlines"], line: 5 },
      { fields: ["4", "plain"], line: 7 },
    ]);
  });

  it("gives the same rows whatever the chunk size (lines and characters cut across chunks)", async () => {
    const csv = 'a,b\n1,"x, y"\n2,"é\nü"\n3,ö\n';
    const whole = await rows(csv);
    expect(await rows(csv, { chunkSize: 1 })).toEqual(whole);
    expect(await rows(csv, { chunkSize: 3 })).toEqual(whole);
    expect(whole.at(-1)).toEqual({ fields: ["3", "ö"], line: 5 });
  });

  it("strips a UTF-8 BOM and reads a last line without newline", async () => {
    expect(await rows("\uFEFFa,b\n1,2")).toEqual([
      { fields: ["a", "b"], line: 1 },
      { fields: ["1", "2"], line: 2 },
    ]);
  });

  it("marks invalid UTF-8 and malformed quoting as row errors", async () => {
    const bad = Buffer.concat([
      Buffer.from("a,b\n1,caf"),
      Buffer.from([0xe9]),
      Buffer.from('\n2,ok\n3,x"y"z\n4,"never closed\n'),
    ]);
    const out = await rows(bad);
    expect(out.map((r) => [r.line, r.error ?? r.fields.join("|")])).toEqual([
      [1, "a|b"],
      [2, "invalid UTF-8 (replacement character U+FFFD in the row)"],
      [3, "2|ok"],
      [4, expect.stringMatching(/^malformed CSV/)],
      [5, "malformed CSV: a quoted field is never closed"],
    ]);
  });

  it("splits other delimiters without quoting", async () => {
    expect(await rows('1::Toy "Story"::Comedy\n', { delimiter: "::", quoted: false })).toEqual([
      { fields: ["1", 'Toy "Story"', "Comedy"], line: 1 },
    ]);
  });
});

describe("readLines encodings", () => {
  const collect = async (content: Buffer, encoding: TextEncoding) => {
    const out: string[] = [];
    for await (const lines of readLines(write(content), { encoding, chunkSize: 4 }))
      out.push(...lines.map((l) => l.text));
    return out;
  };
  const latin1 = Buffer.from("Señorita Café\n", "latin1");
  const utf8 = Buffer.from("Björk ☃\n", "utf8");

  it("reads Latin-1 files", async () => {
    expect(await collect(latin1, "latin1")).toEqual(["Señorita Café"]);
  });

  it("falls back to Latin-1 per line in mixed files", async () => {
    expect(await collect(Buffer.concat([utf8, latin1, utf8]), "utf8-or-latin1")).toEqual([
      "Björk ☃",
      "Señorita Café",
      "Björk ☃",
    ]);
  });

  it("counts bytes for progress", async () => {
    let bytes = 0;
    for await (const _ of readLines(write(utf8), { encoding: "utf8", onBytes: (b) => (bytes += b) })) void _;
    expect(bytes).toBe(utf8.length);
  });
});

describe("splitQuoted", () => {
  it("splits well-formed records exactly like csv-parse, and leaves the rest to it", () => {
    let seed = 11;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const alphabet = ["a", "b", ",", '"', " ", "\n", "é", ";"];
    let handled = 0;
    for (let t = 0; t < 5000; t++) {
      let text = "";
      const len = 1 + rand(12);
      for (let i = 0; i < len; i++) text += alphabet[rand(alphabet.length)];
      // Mostly well-formed records too: quoted fields with commas and doubled quotes.
      if (t % 2 === 0) text = `${rand(100)},"${text.replace(/"/g, '""')}",${rand(9)}`;
      for (const delimiter of [",", ";"]) {
        const fast = splitQuoted(text, delimiter);
        let reference: string[][] | null = null;
        try {
          reference = parseCsv(text, { delimiter, relax_column_count: true }) as string[][];
        } catch {
          reference = null;
        }
        if (fast === null) continue;
        handled++;
        expect(reference, JSON.stringify(text)).not.toBeNull();
        expect([fast], JSON.stringify(text)).toEqual(reference);
      }
    }
    expect(handled).toBeGreaterThan(2500);
    expect(splitQuoted('1,"Heat (1995)",Action|Crime', ",")).toEqual(["1", "Heat (1995)", "Action|Crime"]);
    expect(splitQuoted('1,"say ""hi""",x', ",")).toEqual(["1", 'say "hi"', "x"]);
    expect(splitQuoted('1,"open', ",")).toBeNull();
    expect(splitQuoted('1,"a" ,x', ",")).toBeNull();
    expect(splitQuoted('1,a"b,x', ",")).toBeNull();
  });
});
