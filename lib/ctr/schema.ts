/**
 * The CTR sample schema shared by the sample builder, the Arrow codec, the models and the
 * metrics. Columnar typed arrays (one entry per sample, or a fixed number per sample for the
 * list columns) so that a batch can go to tfjs or into an Arrow record batch without copying
 * row by row.
 *
 * Index conventions for the id columns (user, item, categories): 0 = padding (an empty
 * history slot, no category), 1 = out of vocabulary (not seen in the training split), and
 * 2.. = vocabulary entries. Vocabularies are built from the training split only.
 *
 * LIBER partition vectors are not copied into every sample (P x D floats per sample would
 * be hundreds of MB on MovieLens): a sample holds up to P row numbers into one
 * `PartitionTable` (row 0 = no partition, all zeros), most recent partition first, with the
 * partitions' age in days at the sample's time. Only partitions sealed strictly before the
 * sample's time are referenced (checked by the builder and its leakage tests).
 */

export const PAD = 0;
export const OOV = 1;

export interface CtrShape {
  /** L: short-term history length (last L items before the sample). */
  historyLength: number;
  /** C: category ids kept per item (the first C, padded with 0). */
  categoriesPerItem: number;
  /** P: at most this many partitions per sample (the latest sealed before it). */
  maxPartitions: number;
}

export interface CtrVocabSizes {
  /** Embedding table sizes, padding and OOV rows included. */
  users: number;
  items: number;
  categories: number;
}

export interface SampleBatch {
  size: number;
  /** Vocabulary index of the user (for the user embedding). */
  user: Int32Array;
  /** Grouping key for gAUC: the user's real id (users outside the vocabulary still differ). */
  userKey: Int32Array;
  item: Int32Array;
  /** size x C */
  itemCats: Int32Array;
  /** size x L, most recent first; 0 = empty slot */
  histItems: Int32Array;
  /** size x L x C */
  histCats: Int32Array;
  /** size x P, row numbers into the PartitionTable, most recent first; 0 = none */
  partRows: Int32Array;
  /** size x P, sample time minus the partition's sealed_at_ts, in days (> 0 when present) */
  partAgeDays: Float32Array;
  /** 0 or 1 */
  label: Float32Array;
  /** epoch milliseconds */
  ts: Float64Array;
  /** how many of the user's events came before this sample (for the history-length slices) */
  eventsBefore: Int32Array;
}

export interface PartitionTable {
  /** rows including row 0 (zeros) */
  size: number;
  /** encoder dimension D */
  dim: number;
  /** size x D */
  vectors: Float32Array;
  /** the database id of the partition of each row (0 for row 0), for explanations */
  partitionIds: Int32Array;
}

export interface CtrDataset {
  shape: CtrShape;
  vocab: CtrVocabSizes;
  partitions: PartitionTable;
  train: SampleBatch;
  valid: SampleBatch;
  test: SampleBatch;
  /** free-form provenance (label rule, cutoffs, encoder, partition config...) */
  meta: Record<string, unknown>;
}

export function emptyBatch(size: number, shape: CtrShape): SampleBatch {
  const { historyLength: L, categoriesPerItem: C, maxPartitions: P } = shape;
  return {
    size,
    user: new Int32Array(size),
    userKey: new Int32Array(size),
    item: new Int32Array(size),
    itemCats: new Int32Array(size * C),
    histItems: new Int32Array(size * L),
    histCats: new Int32Array(size * L * C),
    partRows: new Int32Array(size * P),
    partAgeDays: new Float32Array(size * P),
    label: new Float32Array(size),
    ts: new Float64Array(size),
    eventsBefore: new Int32Array(size),
  };
}

/** The per-sample width of every column, for copying rows generically. */
export function columnWidths(shape: CtrShape): Record<keyof Omit<SampleBatch, "size">, number> {
  const { historyLength: L, categoriesPerItem: C, maxPartitions: P } = shape;
  return {
    user: 1,
    userKey: 1,
    item: 1,
    itemCats: C,
    histItems: L,
    histCats: L * C,
    partRows: P,
    partAgeDays: P,
    label: 1,
    ts: 1,
    eventsBefore: 1,
  };
}

export const COLUMNS = [
  "user",
  "userKey",
  "item",
  "itemCats",
  "histItems",
  "histCats",
  "partRows",
  "partAgeDays",
  "label",
  "ts",
  "eventsBefore",
] as const satisfies readonly (keyof Omit<SampleBatch, "size">)[];

/** A new batch holding the given rows of `batch`, in that order. */
export function selectRows(batch: SampleBatch, shape: CtrShape, rows: ArrayLike<number>): SampleBatch {
  const out = emptyBatch(rows.length, shape);
  const widths = columnWidths(shape);
  for (const column of COLUMNS) {
    const width = widths[column];
    const src = batch[column];
    const dst = out[column];
    if (width === 1) {
      for (let i = 0; i < rows.length; i++) dst[i] = src[rows[i]!]!;
    } else {
      for (let i = 0; i < rows.length; i++) {
        const from = rows[i]! * width;
        (dst as Int32Array).set((src as Int32Array).subarray(from, from + width), i * width);
      }
    }
  }
  return out;
}

/** Concatenate batches of the same shape. */
export function concatBatches(batches: SampleBatch[], shape: CtrShape): SampleBatch {
  const size = batches.reduce((n, b) => n + b.size, 0);
  const out = emptyBatch(size, shape);
  const widths = columnWidths(shape);
  let offset = 0;
  for (const b of batches) {
    for (const column of COLUMNS) {
      (out[column] as Int32Array).set(b[column] as Int32Array, offset * widths[column]);
    }
    offset += b.size;
  }
  return out;
}

/** Number of partitions referenced by sample i (rows are packed, most recent first). */
export function partitionCount(batch: SampleBatch, shape: CtrShape, i: number): number {
  const P = shape.maxPartitions;
  let n = 0;
  while (n < P && batch.partRows[i * P + n] !== PAD) n++;
  return n;
}

/** Slices of history length where lifelong users live (issue 13, item 3). */
export const HISTORY_SLICES = [
  { name: "<50", min: 0, max: 50 },
  { name: "50-200", min: 50, max: 200 },
  { name: "200-1000", min: 200, max: 1000 },
  { name: ">1000", min: 1000, max: Infinity },
] as const;

export function sliceOf(eventsBefore: number): (typeof HISTORY_SLICES)[number]["name"] {
  for (const s of HISTORY_SLICES) if (eventsBefore >= s.min && eventsBefore < s.max) return s.name;
  return ">1000";
}
