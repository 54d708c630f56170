import { parquetWriteBuffer } from "hyparquet-writer";
import type { ExportFormat } from "./contract";

/**
 * Writers of the features export, pure functions over rows (one row per user). Column layout
 * (csv, parquet; jsonl has the same keys with `fused` as an array):
 *   user, as_of (ISO), n_partitions, config_id, prompt_version_id, encoder_version,
 *   fusion_version, f0 .. f{D-1} (the fused vector; zeros when n_partitions = 0)
 * npy: a float32 little-endian matrix [users, D] of the fused vectors, rows in the order
 * of the other formats (the requested users, else by external id).
 */

export interface ExportRow {
  user: string;
  asOf: string;
  partitions: number;
  configId: number;
  promptVersionId: number;
  encoderVersion: string;
  fusionVersion: string;
  fused: ArrayLike<number>;
  /** jsonl only: attention weight per partition seq. */
  weights?: { seq: number; weight: number }[];
}

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  jsonl: "application/x-ndjson; charset=utf-8",
  npy: "application/octet-stream",
  parquet: "application/vnd.apache.parquet",
};

const META_COLUMNS = [
  "user",
  "as_of",
  "n_partitions",
  "config_id",
  "prompt_version_id",
  "encoder_version",
  "fusion_version",
] as const;

export function featureColumns(dims: number): string[] {
  return [...META_COLUMNS, ...Array.from({ length: dims }, (_, i) => `f${i}`)];
}

function csvCell(value: string | number): string {
  const s = String(value);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** float32 values print with 9 significant digits: enough to read back the same float32. */
const num = (x: number) => (x === 0 ? "0" : String(Number(x.toPrecision(9))));

export function csvHeader(dims: number): string {
  return `${featureColumns(dims).join(",")}\n`;
}

export function csvRows(rows: readonly ExportRow[], dims: number): string {
  let out = "";
  for (const r of rows) {
    const meta = [r.user, r.asOf, r.partitions, r.configId, r.promptVersionId, r.encoderVersion, r.fusionVersion].map(
      csvCell,
    );
    const values: string[] = new Array<string>(dims);
    for (let d = 0; d < dims; d++) values[d] = num(r.fused[d] ?? 0);
    out += `${meta.join(",")},${values.join(",")}\n`;
  }
  return out;
}

export function jsonlRows(rows: readonly ExportRow[], dims: number): string {
  let out = "";
  for (const r of rows) {
    const fused = new Array<number>(dims);
    for (let d = 0; d < dims; d++) fused[d] = Number((r.fused[d] ?? 0).toPrecision(9));
    out +=
      JSON.stringify({
        user: r.user,
        as_of: r.asOf,
        n_partitions: r.partitions,
        config_id: r.configId,
        prompt_version_id: r.promptVersionId,
        encoder_version: r.encoderVersion,
        fusion_version: r.fusionVersion,
        fused,
        ...(r.weights ? { weights: r.weights } : {}),
      }) + "\n";
  }
  return out;
}

/** NPY format 1.0 header for a C-order float32 [rows, dims] matrix (total length a multiple of 64). */
export function npyHeader(rows: number, dims: number): Uint8Array {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${dims}), }`;
  const unpadded = 10 + dict.length + 1;
  const padded = Math.ceil(unpadded / 64) * 64;
  const headerLen = padded - 10;
  const out = new Uint8Array(padded);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0); // \x93NUMPY v1.0
  out[8] = headerLen & 0xff;
  out[9] = headerLen >> 8;
  const text = dict + " ".repeat(headerLen - dict.length - 1) + "\n";
  for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
  return out;
}

export function npyRows(rows: readonly ExportRow[], dims: number): Uint8Array {
  const out = new Uint8Array(rows.length * dims * 4);
  const view = new DataView(out.buffer);
  rows.forEach((r, i) => {
    for (let d = 0; d < dims; d++) view.setFloat32((i * dims + d) * 4, r.fused[d] ?? 0, true);
  });
  return out;
}

export function parquetFile(rows: readonly ExportRow[], dims: number): Uint8Array {
  const columnData = [
    { name: "user", data: rows.map((r) => r.user), type: "STRING" as const, nullable: false },
    { name: "as_of", data: rows.map((r) => new Date(r.asOf)), type: "TIMESTAMP" as const, nullable: false },
    { name: "n_partitions", data: rows.map((r) => r.partitions), type: "INT32" as const, nullable: false },
    { name: "config_id", data: rows.map((r) => r.configId), type: "INT32" as const, nullable: false },
    { name: "prompt_version_id", data: rows.map((r) => r.promptVersionId), type: "INT32" as const, nullable: false },
    { name: "encoder_version", data: rows.map((r) => r.encoderVersion), type: "STRING" as const, nullable: false },
    { name: "fusion_version", data: rows.map((r) => r.fusionVersion), type: "STRING" as const, nullable: false },
    ...Array.from({ length: dims }, (_, d) => ({
      name: `f${d}`,
      data: Float32Array.from(rows, (r) => r.fused[d] ?? 0),
      type: "FLOAT" as const,
      nullable: false,
    })),
  ];
  return new Uint8Array(parquetWriteBuffer({ columnData }));
}

/** The whole file at once (the CLI and tests; the API streams csv/jsonl/npy in parts). */
export function writeExport(format: ExportFormat, rows: readonly ExportRow[], dims: number): Uint8Array {
  const enc = new TextEncoder();
  switch (format) {
    case "csv":
      return enc.encode(csvHeader(dims) + csvRows(rows, dims));
    case "jsonl":
      return enc.encode(jsonlRows(rows, dims));
    case "npy": {
      const head = npyHeader(rows.length, dims);
      const body = npyRows(rows, dims);
      const out = new Uint8Array(head.length + body.length);
      out.set(head, 0);
      out.set(body, head.length);
      return out;
    }
    case "parquet":
      return parquetFile(rows, dims);
  }
}
