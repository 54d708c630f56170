import { parquetReadObjects } from "hyparquet";
import { describe, expect, it } from "vitest";
import { writeExport, type ExportRow } from "./export";

const dims = 3;
const rows: ExportRow[] = [
  {
    user: "u,1",
    asOf: "2026-01-01T00:00:00.000Z",
    partitions: 2,
    configId: 1,
    promptVersionId: 4,
    encoderVersion: "builtin-tfidf/d3/idf:abc",
    fusionVersion: "f:1",
    fused: Float32Array.from([0.1, -0.2, 0.3]),
  },
  {
    user: 'u"2',
    asOf: "2026-01-01T00:00:00.000Z",
    partitions: 0,
    configId: 1,
    promptVersionId: 4,
    encoderVersion: "builtin-tfidf/d3/idf:abc",
    fusionVersion: "f:1",
    fused: new Float32Array(3),
  },
];
const f32 = (x: number) => Math.fround(x);

/** Minimal RFC 4180 parser for the read-back. */
function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\n") {
      row.push(cell);
      out.push(row);
      row = [];
      cell = "";
    } else cell += c;
  }
  return out;
}

describe("export writers read back", () => {
  it("csv", () => {
    const [header, ...body] = parseCsv(new TextDecoder().decode(writeExport("csv", rows, dims)));
    expect(header).toEqual([
      "user",
      "as_of",
      "n_partitions",
      "config_id",
      "prompt_version_id",
      "encoder_version",
      "fusion_version",
      "f0",
      "f1",
      "f2",
    ]);
    expect(body[0]!.slice(0, 3)).toEqual(["u,1", "2026-01-01T00:00:00.000Z", "2"]);
    expect(body[1]![0]).toBe('u"2');
    expect(body[0]!.slice(7).map(Number).map(f32)).toEqual([f32(0.1), f32(-0.2), f32(0.3)]);
  });

  it("jsonl", () => {
    const lines = new TextDecoder()
      .decode(writeExport("jsonl", rows, dims))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0].user).toBe("u,1");
    expect(lines[0].fused.map(f32)).toEqual([f32(0.1), f32(-0.2), f32(0.3)]);
    expect(lines[1].n_partitions).toBe(0);
  });

  it("npy: header parsed by hand, data as float32", () => {
    const bytes = writeExport("npy", rows, dims);
    expect(Array.from(bytes.slice(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const headerLen = bytes[8]! | (bytes[9]! << 8);
    expect((10 + headerLen) % 64).toBe(0);
    const header = new TextDecoder("latin1").decode(bytes.slice(10, 10 + headerLen));
    expect(header.endsWith("\n")).toBe(true);
    const shape = /'shape': \((\d+), (\d+)\)/.exec(header)!;
    expect([Number(shape[1]), Number(shape[2])]).toEqual([2, 3]);
    expect(header).toContain("'descr': '<f4'");
    expect(header).toContain("'fortran_order': False");
    const data = new Float32Array(bytes.slice(10 + headerLen).buffer);
    expect(Array.from(data)).toEqual([f32(0.1), f32(-0.2), f32(0.3), 0, 0, 0]);
  });

  it("parquet (read with hyparquet)", async () => {
    const bytes = writeExport("parquet", rows, dims);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const objs = await parquetReadObjects({ file });
    expect(objs).toHaveLength(2);
    expect(objs[0]!.user).toBe("u,1");
    expect(objs[0]!.n_partitions).toBe(2);
    expect(objs[0]!.encoder_version).toBe("builtin-tfidf/d3/idf:abc");
    expect([objs[0]!.f0, objs[0]!.f1, objs[0]!.f2]).toEqual([f32(0.1), f32(-0.2), f32(0.3)]);
    expect(new Date(objs[1]!.as_of as Date).toISOString()).toBe("2026-01-01T00:00:00.000Z");
  });
});
