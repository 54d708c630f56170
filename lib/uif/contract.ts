// Wire types of the UIF API (text encoders, fusion, fused-vector views, features, export).
// Types only: client components import this without pulling in the database or an encoder.
// Route list and semantics: NOTES-uif.md. Users are addressed by their external id.

/** Dates travel as ISO 8601 strings (UTC). */
export type IsoDate = string;

export type EncoderKind = "builtin" | "openai";
/** Which text of a partition's summary a vector encodes. */
export type TextKind = "summary" | "shift";

/** GET /api/uif/fusion: fusion configs; POST (editor) { temperature, halfLifeDays, shiftWeight, note? } -> FusionConfigInfo (same params: the existing version). */
export interface FusionConfigsResponse {
  fusions: FusionConfigInfo[];
}

/** One immutable encoder version; every stored vector names the version that made it. */
export interface EncoderVersionInfo {
  id: number;
  kind: EncoderKind;
  /** e.g. "builtin-tfidf/d256/idf:3fa9c01b2d4e" or "openai/text-embedding-3-small/d256@<endpoint hash>". */
  version: string;
  dims: number;
  /** Builtin: { dims, idfBuckets, bigrams, sublinearTf }; openai: { baseUrl, model, dimensions }. */
  params: Record<string, unknown>;
  fittedAt: IsoDate;
  /**
   * Exclusive horizon of the texts the IDF was fitted on: only summaries of partitions sealed
   * strictly before it. The features API uses a version only when fittedUntil <= asOf.
   * null for encoders that are not fitted on our data (openai).
   */
  fittedUntil: IsoDate | null;
  /** Documents (summary and shift texts) the IDF saw; null for openai. */
  idfDocuments: number | null;
  /** Partition vectors stored under this version. */
  vectors: number;
  /** The newest builtin version: what encoding after summarisation uses. */
  isDefault: boolean;
}

export interface EncodersResponse {
  encoders: EncoderVersionInfo[];
  /** The openai encoder as configured from the environment (null when not configured). */
  openai: { baseUrl: string; model: string; dimensions: number; keySet: boolean } | null;
}

/** POST /api/uif/encoders (editor). */
export type EncodersAction =
  /** Fit a new builtin IDF version on the stored summaries of partitions sealed before asOf (default: all). */
  | { action: "fit"; asOf?: string | number; dims?: number }
  /** Encode every summarised partition that has no vector under the encoder version (default: the default builtin). */
  | { action: "encode"; encoder?: number | "builtin" | "openai"; users?: string[] };

export interface FitResult {
  encoder: EncoderVersionInfo;
  /** false when an identical version (same statistics and params) already existed. */
  created: boolean;
}

export interface EncodeResult {
  encoder: EncoderVersionInfo;
  /** Texts encoded now. */
  encoded: number;
  /** Vectors copied from an existing row with the same text hash (never re-encoded). */
  reused: number;
  /** Partition texts that already had a vector. */
  skipped: number;
  durationMs: number;
}

export type EncodersPostResponse = FitResult | EncodeResult;

/** Attention pooling with recency: see NOTES-uif.md for the formula. */
export interface FusionParams {
  /** Softmax temperature of the similarity term; > 0. */
  temperature: number;
  /** Half-life of the recency prior in days (decay = ln 2 / halfLifeDays per day of age); null: no recency. */
  halfLifeDays: number | null;
  /** Weight of the shift vector added to the summary vector of a partition before fusing (0 = summaries only). */
  shiftWeight: number;
}

export interface FusionConfigInfo {
  id: number;
  /** Content hash of the params. */
  version: string;
  params: FusionParams;
  createdAt: IsoDate;
  isDefault: boolean;
}

export interface ConfigRefInfo {
  id: number;
  name: string;
  version: number;
}

export interface PromptRefInfo {
  id: number;
  name: string;
  version: number;
}

export interface EncoderRefInfo {
  id: number;
  kind: EncoderKind;
  version: string;
  dims: number;
  fittedUntil: IsoDate | null;
}

/**
 * A vector on the wire: JSON numbers by default, or with `vectors=base64` the base64 of its
 * float32 little-endian bytes (4 bytes a dimension; decode with
 * `new Float32Array(Uint8Array.from(atob(s), c => c.charCodeAt(0)).buffer)`), about 3x smaller
 * and much faster to produce and parse for users with many partitions.
 */
export type WireVector = number[] | string;
/**
 * json (default) | base64 | none: with `vectors=none` the partition vectors are left out
 * (`summary` and `shift` are null) and `fused` is JSON numbers: the fused vector and the
 * attention weights only, what serving a CTR model needs (about 100 KB at 1,000 partitions).
 */
export type VectorEncoding = "json" | "base64" | "none";

/** One partition sealed before asOf, with its vectors and attention weight (V = null with vectors=none). */
export interface FeaturePartition<V extends WireVector | Float32Array | null = number[]> {
  seq: number;
  startTs: IsoDate;
  endTs: IsoDate;
  sealedAt: IsoDate;
  count: number;
  summaryId: number;
  inputHash: string;
  /** Days between sealedAt and asOf. */
  ageDays: number;
  /** Attention weight in the fused vector; the weights sum to 1. */
  weight: number;
  summary: V;
  /** null when the summary has no shift text. */
  shift: V | null;
}

export type EmptyReason = "no_sealed_partitions" | "no_summaries" | "no_encoder" | "no_vectors";

/**
 * GET /api/users/{id}/features?asOf=ISO|epoch-ms[&encoder=id|builtin|openai][&fusion=id][&config=id][&prompt=id][&vectors=json|base64|none][&limit=P]
 * V: how `fused` is written; P: the partition vectors (null with vectors=none).
 */
export interface UserFeatures<V extends WireVector = number[], P extends WireVector | null = V> {
  user: string;
  asOf: IsoDate;
  config: ConfigRefInfo;
  prompt: PromptRefInfo;
  /** null only when reason is "no_encoder". */
  encoder: EncoderRefInfo | null;
  fusion: FusionConfigInfo;
  dims: number;
  /** How `fused` and the partition vectors are written. */
  vectors: VectorEncoding;
  /** L2-normalised; all zeros (dims long) when there is no partition vector. */
  fused: V;
  partitions: FeaturePartition<P>[];
  /** Set when `partitions` is empty: why, and what to do. */
  reason: { code: EmptyReason; message: string } | null;
  /** Sealed before asOf but left out (no ok summary, or no vector under the encoder version). */
  missing: { withoutSummary: number; withoutVector: number };
  /**
   * Only with `limit=P`: how many earlier partitions were left out of `partitions` (only the
   * latest P are listed; `fused` and the weights still cover all, so the listed weights sum to <= 1).
   */
  omitted?: number;
}

/** One column of the heatmap (a partition) in GET /api/users/{id}/vectors. */
export interface VectorColumn {
  seq: number;
  startTs: IsoDate;
  endTs: IsoDate;
  sealedAt: IsoDate;
  count: number;
  summary: string | null;
  shift: string | null;
  /** Values of the selected dimensions (`dimensions`), same order. */
  values: number[];
  /** 2-D PCA projection of the partition's summary vector (over the user's partitions in the window). */
  xy: [number, number];
  /** Cosine similarity with the previous partition (null for the first of the user). */
  drift: number | null;
  /** Attention weight at asOf (the window's end); the weights of all the user's partitions sum to 1. */
  weight: number;
}

/** GET /api/users/{id}/vectors?asOf=&encoder=&fusion=&top=&from=&limit= */
export interface UserVectors {
  user: string;
  asOf: IsoDate;
  encoder: EncoderRefInfo | null;
  fusion: FusionConfigInfo;
  /** Dimension indexes shown as heatmap rows: the top-K by variance over the user's partitions. */
  dimensions: number[];
  /** Partitions in seq order, windowed: [offset, offset + columns.length) of `total`. */
  columns: VectorColumn[];
  offset: number;
  total: number;
  reason: { code: EmptyReason; message: string } | null;
}

export type ProjectionMethod = "pca" | "umap";
export type PopulationColor = "dominantCategory" | "partitions" | "events" | "gender" | "age" | "occupation";

export interface PopulationPoint {
  user: string;
  x: number;
  y: number;
  partitions: number;
  events: number;
  /** The value of the chosen colour attribute (string for categories, number for counts). */
  color: string | number | null;
}

/** GET /api/uif/population?projection=pca|umap&color=…&encoder=&fusion= */
export interface PopulationResponse {
  /** What the points are: the requested method, or "pca" while a UMAP is being computed (`pending`). */
  projection: ProjectionMethod;
  /** UMAP was asked for and is being computed off the request path; ask again in a few seconds. */
  pending: boolean;
  color: PopulationColor;
  encoder: EncoderRefInfo | null;
  fusion: FusionConfigInfo;
  points: PopulationPoint[];
  /** UMAP: served from the cache (computed once per encoder, fusion and user set). */
  cached: boolean;
  computedAt: IsoDate;
  reason: { code: EmptyReason; message: string } | null;
}

export interface Neighbour {
  user: string;
  /** Cosine similarity of the fused vectors, in [-1, 1]. */
  similarity: number;
  partitions: number;
}

/** GET /api/users/{id}/neighbours?k=&encoder=&fusion= */
export interface NeighboursResponse {
  user: string;
  encoder: EncoderRefInfo | null;
  fusion: FusionConfigInfo;
  neighbours: Neighbour[];
  reason: { code: EmptyReason; message: string } | null;
}

export type ExportFormat = "csv" | "jsonl" | "npy" | "parquet";

/**
 * GET /api/uif/export?asOf=&format=&users=a,b&encoder=&fusion= : a streamed download
 * (Content-Disposition attachment). Column layout: NOTES-uif.md ("Export").
 */
export interface ExportQuery {
  asOf: string;
  format: ExportFormat;
  users?: string;
  encoder?: string;
  fusion?: string;
}
