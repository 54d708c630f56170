/**
 * Apache Arrow IPC codec for CTR samples (apache-arrow 21). A dataset travels as two IPC
 * streams, one after the other in the same byte sequence:
 *   1. the partition table: `row` (Int32), `partition_id` (Int32), `vector`
 *      (FixedSizeList<Float32>[D]);
 *   2. the samples of all splits: one record batch per chunk of rows, columns as in
 *      `SampleBatch` (list columns as FixedSizeList) plus `split` (Int8: 0 train, 1 valid,
 *      2 test). Shape, vocabulary sizes and provenance ride in the schema metadata.
 * Record batches are what the browser receives incrementally, so a progress bar can follow
 * the transfer and nothing is ever one giant JSON.
 */
import {
  Field,
  Float32,
  Float64,
  FixedSizeList,
  Int32,
  Int8,
  RecordBatch,
  RecordBatchReader,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  makeData,
  type Data,
  type DataType,
} from "apache-arrow";
import {
  concatBatches,
  emptyBatch,
  type CtrDataset,
  type CtrShape,
  type CtrVocabSizes,
  type PartitionTable,
  type SampleBatch,
} from "./schema";

export const SPLITS = ["train", "valid", "test"] as const;
export type SplitName = (typeof SPLITS)[number];

type ColumnSpec = {
  name: string;
  key: keyof Omit<SampleBatch, "size">;
  kind: "int32" | "float32" | "float64";
  width: (s: CtrShape) => number;
};

const SAMPLE_COLUMNS: ColumnSpec[] = [
  { name: "user", key: "user", kind: "int32", width: () => 1 },
  { name: "user_key", key: "userKey", kind: "int32", width: () => 1 },
  { name: "item", key: "item", kind: "int32", width: () => 1 },
  { name: "item_cats", key: "itemCats", kind: "int32", width: (s) => s.categoriesPerItem },
  { name: "hist_items", key: "histItems", kind: "int32", width: (s) => s.historyLength },
  { name: "hist_cats", key: "histCats", kind: "int32", width: (s) => s.historyLength * s.categoriesPerItem },
  { name: "part_rows", key: "partRows", kind: "int32", width: (s) => s.maxPartitions },
  { name: "part_age_days", key: "partAgeDays", kind: "float32", width: (s) => s.maxPartitions },
  { name: "label", key: "label", kind: "float32", width: () => 1 },
  { name: "ts", key: "ts", kind: "float64", width: () => 1 },
  { name: "events_before", key: "eventsBefore", kind: "int32", width: () => 1 },
];

function scalarType(kind: ColumnSpec["kind"]): DataType {
  return kind === "int32" ? new Int32() : kind === "float32" ? new Float32() : new Float64();
}

function columnType(spec: ColumnSpec, shape: CtrShape): DataType {
  const width = spec.width(shape);
  const scalar = scalarType(spec.kind);
  return width === 1 ? scalar : new FixedSizeList(width, new Field("v", scalar, false));
}

function columnData(type: DataType, values: Int32Array | Float32Array | Float64Array, length: number): Data {
  if (type instanceof FixedSizeList) {
    const child = makeData({
      type: type.children[0]!.type,
      length: values.length,
      nullCount: 0,
      data: values,
    } as never);
    return makeData({ type, length, nullCount: 0, child } as never);
  }
  return makeData({ type, length, nullCount: 0, data: values } as never);
}

function structBatch(schema: Schema, children: Data[], length: number): RecordBatch {
  const data = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children });
  return new RecordBatch(schema, data);
}

function sampleSchema(shape: CtrShape, metadata: Map<string, string>): Schema {
  const fields = SAMPLE_COLUMNS.map((c) => new Field(c.name, columnType(c, shape), false));
  fields.push(new Field("split", new Int8(), false));
  return new Schema(fields, metadata);
}

export interface SampleStreamHeader {
  shape: CtrShape;
  vocab: CtrVocabSizes;
  meta: Record<string, unknown>;
}

/** Record batches of at most `chunkRows` samples each, for one or more splits. */
export function sampleRecordBatches(
  header: SampleStreamHeader,
  splits: Partial<Record<SplitName, SampleBatch>>,
  chunkRows = 8192,
): { schema: Schema; batches: RecordBatch[] } {
  const metadata = new Map([
    ["liber.ctr.shape", JSON.stringify(header.shape)],
    ["liber.ctr.vocab", JSON.stringify(header.vocab)],
    ["liber.ctr.meta", JSON.stringify(header.meta)],
  ]);
  const schema = sampleSchema(header.shape, metadata);
  const batches: RecordBatch[] = [];
  SPLITS.forEach((split, splitIndex) => {
    const batch = splits[split];
    if (!batch) return;
    for (let start = 0; start < batch.size; start += chunkRows) {
      const end = Math.min(batch.size, start + chunkRows);
      const length = end - start;
      const children = SAMPLE_COLUMNS.map((c, i) => {
        const width = c.width(header.shape);
        const values = (batch[c.key] as Int32Array).subarray(start * width, end * width);
        return columnData(schema.fields[i]!.type, values, length);
      });
      children.push(makeData({ type: new Int8(), length, nullCount: 0, data: new Int8Array(length).fill(splitIndex) }));
      batches.push(structBatch(schema, children, length));
    }
  });
  return { schema, batches };
}

export function encodeSamples(
  header: SampleStreamHeader,
  splits: Partial<Record<SplitName, SampleBatch>>,
  chunkRows = 8192,
): Uint8Array {
  const { schema, batches } = sampleRecordBatches(header, splits, chunkRows);
  const writer = new RecordBatchStreamWriter();
  writer.reset(undefined, schema);
  for (const b of batches) writer.write(b);
  writer.finish();
  return writer.toUint8Array(true);
}

export function encodePartitionTable(table: PartitionTable): Uint8Array {
  const vectorType = new FixedSizeList(table.dim, new Field("v", new Float32(), false));
  const schema = new Schema(
    [
      new Field("row", new Int32(), false),
      new Field("partition_id", new Int32(), false),
      new Field("vector", vectorType, false),
    ],
    new Map([["liber.ctr.dim", String(table.dim)]]),
  );
  const rows = new Int32Array(table.size).map((_, i) => i);
  const batch = structBatch(
    schema,
    [
      columnData(new Int32(), rows, table.size),
      columnData(new Int32(), table.partitionIds, table.size),
      columnData(vectorType, table.vectors, table.size),
    ],
    table.size,
  );
  const writer = new RecordBatchStreamWriter();
  writer.reset(undefined, schema);
  writer.write(batch);
  writer.finish();
  return writer.toUint8Array(true);
}

/** The whole dataset: the partition table stream, then the samples stream. */
export function encodeDataset(dataset: CtrDataset, chunkRows = 8192): Uint8Array {
  const partitions = encodePartitionTable(dataset.partitions);
  const samples = encodeSamples(
    { shape: dataset.shape, vocab: dataset.vocab, meta: dataset.meta },
    { train: dataset.train, valid: dataset.valid, test: dataset.test },
    chunkRows,
  );
  const out = new Uint8Array(partitions.length + samples.length);
  out.set(partitions, 0);
  out.set(samples, partitions.length);
  return out;
}

/** Flat typed values of a (possibly FixedSizeList) column of one record batch. */
function columnValues(batch: RecordBatch, index: number): Int32Array | Float32Array | Float64Array | Int8Array {
  const data = batch.data.children[index]!;
  const isList = data.type instanceof FixedSizeList;
  const leaf = isList ? data.children[0]! : data;
  const width = isList ? (data.type as FixedSizeList).listSize : 1;
  // Batches read from IPC start at offset 0; a sliced in-memory batch would need more care.
  if (isList && data.offset !== 0) throw new Error("sliced list columns are not supported");
  const start = leaf.offset;
  return (leaf.values as Int32Array).subarray(start, start + data.length * width);
}

export function decodePartitionBatches(batches: RecordBatch[]): PartitionTable {
  const first = batches[0];
  if (!first) throw new Error("partition table stream is empty");
  const dim = Number(first.schema.metadata.get("liber.ctr.dim"));
  const size = batches.reduce((n, b) => n + b.numRows, 0);
  const vectors = new Float32Array(size * dim);
  const partitionIds = new Int32Array(size);
  let offset = 0;
  for (const b of batches) {
    partitionIds.set(columnValues(b, 1) as Int32Array, offset);
    vectors.set(columnValues(b, 2) as Float32Array, offset * dim);
    offset += b.numRows;
  }
  return { size, dim, vectors, partitionIds };
}

export function readSampleHeader(schema: Schema): SampleStreamHeader {
  const get = (k: string) => {
    const v = schema.metadata.get(k);
    if (v === undefined) throw new Error(`not a LIBER CTR sample stream (no ${k})`);
    return JSON.parse(v) as unknown;
  };
  return {
    shape: get("liber.ctr.shape") as CtrShape,
    vocab: get("liber.ctr.vocab") as CtrVocabSizes,
    meta: get("liber.ctr.meta") as Record<string, unknown>,
  };
}

/** Decode one sample record batch into per-split SampleBatches (a chunk has one split). */
export function decodeSampleRecordBatch(
  batch: RecordBatch,
  shape: CtrShape,
): { split: SplitName; samples: SampleBatch }[] {
  const n = batch.numRows;
  const splitColumn = columnValues(batch, SAMPLE_COLUMNS.length) as unknown as Int8Array;
  const full = emptyBatch(n, shape);
  SAMPLE_COLUMNS.forEach((c, i) => {
    (full[c.key] as Int32Array).set(columnValues(batch, i) as Int32Array);
  });
  const splitsPresent = new Set(splitColumn);
  if (splitsPresent.size === 1) return [{ split: SPLITS[splitColumn[0] ?? 0]!, samples: full }];
  throw new Error("a record batch mixes splits; the encoder writes one split per batch");
}

export function decodeSamples(batches: RecordBatch[]): SampleStreamHeader & Record<SplitName, SampleBatch> {
  const first = batches[0];
  if (!first) throw new Error("sample stream is empty");
  const header = readSampleHeader(first.schema);
  const parts: Record<SplitName, SampleBatch[]> = { train: [], valid: [], test: [] };
  for (const b of batches) {
    if (b.numRows === 0) continue;
    for (const { split, samples } of decodeSampleRecordBatch(b, header.shape)) parts[split].push(samples);
  }
  return {
    ...header,
    train: concatBatches(parts.train, header.shape),
    valid: concatBatches(parts.valid, header.shape),
    test: concatBatches(parts.test, header.shape),
  };
}

/** Decode what `encodeDataset` wrote (both streams). */
export function decodeDataset(bytes: Uint8Array): CtrDataset {
  // Each reader must be drained before the next stream can be read from the same bytes.
  const streams: RecordBatch[][] = [];
  for (const reader of RecordBatchReader.readAll(bytes)) streams.push([...reader]);
  if (streams.length < 2) throw new Error(`expected 2 Arrow streams (partitions, samples), got ${streams.length}`);
  const partitions = decodePartitionBatches(streams[0]!);
  const samples = decodeSamples(streams[1]!);
  return {
    shape: samples.shape,
    vocab: samples.vocab,
    meta: samples.meta,
    partitions,
    train: samples.train,
    valid: samples.valid,
    test: samples.test,
  };
}
