import { pool } from "../db/client";
import { BuiltinEncoder, restoreIdf, type IdfModel, type IdfParams } from "./builtin";
import type { EncoderKind, FusionParams, TextKind } from "./contract";
import { bytesToVector, vectorToBytes } from "./encoder";
import { fusionVersion, validateFusionParams } from "./fusion";

/**
 * SQL of UIF: encoder versions, partition vectors, fusion configs. Vectors are bytea
 * (float32 LE); see schema.prisma for why.
 */

// ---------------------------------------------------------------------------------------
// Encoder versions

export interface EncoderVersionRow {
  id: number;
  kind: EncoderKind;
  version: string;
  dims: number;
  params: Record<string, unknown>;
  idfDocuments: number | null;
  fittedAt: Date;
  fittedUntil: Date | null;
  configId: number | null;
  promptVersionId: number | null;
}

const ENCODER_COLUMNS = `id, kind, version, dims, params, idf_documents AS "idfDocuments", fitted_at AS "fittedAt",
  fitted_until AS "fittedUntil", config_id AS "configId", prompt_version_id AS "promptVersionId"`;

export async function listEncoderVersions(): Promise<(EncoderVersionRow & { vectors: number })[]> {
  const { rows } = await pool().query<EncoderVersionRow & { vectors: number }>(
    `SELECT ${ENCODER_COLUMNS}, (SELECT count(*)::int FROM uif_partition_vectors v WHERE v.encoder_version_id = e.id) AS vectors
     FROM uif_encoder_versions e ORDER BY id DESC`,
  );
  return rows;
}

export async function getEncoderVersion(id: number): Promise<EncoderVersionRow | null> {
  const { rows } = await pool().query<EncoderVersionRow>(
    `SELECT ${ENCODER_COLUMNS} FROM uif_encoder_versions WHERE id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

/**
 * The newest version of a kind usable at `asOf`: fitted only on texts sealed before asOf
 * (fitted_until <= asOf), or not fitted on our data at all (openai). Newest = latest horizon.
 */
export async function latestEncoderVersion(kind: EncoderKind, asOf: Date | null): Promise<EncoderVersionRow | null> {
  const { rows } = await pool().query<EncoderVersionRow>(
    `SELECT ${ENCODER_COLUMNS} FROM uif_encoder_versions
     WHERE kind = $1 AND ($2::timestamptz IS NULL OR fitted_until IS NULL OR fitted_until <= $2)
     ORDER BY fitted_until DESC NULLS LAST, id DESC LIMIT 1`,
    [kind, asOf],
  );
  return rows[0] ?? null;
}

/** Stores a fitted IDF as a builtin version; an identical one keeps the earlier horizon. */
export async function saveBuiltinVersion(input: {
  encoder: BuiltinEncoder;
  fittedUntil: Date;
  configId: number;
  promptVersionId: number;
  createdBy: string | null;
}): Promise<{ row: EncoderVersionRow; created: boolean }> {
  const { encoder } = input;
  const idf = encoder.idfModel;
  const df = Buffer.from(idf.df.buffer, idf.df.byteOffset, idf.df.byteLength);
  const { rows } = await pool().query<EncoderVersionRow & { created: boolean }>(
    `INSERT INTO uif_encoder_versions (kind, version, dims, params, idf_documents, idf_df, config_id, prompt_version_id, fitted_until, created_by)
     VALUES ('builtin', $1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (version) DO UPDATE SET fitted_until = LEAST(uif_encoder_versions.fitted_until, EXCLUDED.fitted_until)
     RETURNING ${ENCODER_COLUMNS}, (xmax = 0) AS created`,
    [
      encoder.version,
      encoder.dims,
      { ...encoder.params, idfVersion: idf.version },
      idf.documents,
      // The buffer's bytes are the host's (little-endian on every platform Node supports).
      df,
      input.configId,
      input.promptVersionId,
      input.fittedUntil,
      input.createdBy,
    ],
  );
  const { created, ...row } = rows[0]!;
  return { row, created };
}

export async function ensureOpenAiVersion(input: {
  version: string;
  dims: number;
  params: Record<string, unknown>;
}): Promise<EncoderVersionRow> {
  const { rows } = await pool().query<EncoderVersionRow>(
    `INSERT INTO uif_encoder_versions (kind, version, dims, params) VALUES ('openai', $1, $2, $3)
     ON CONFLICT (version) DO UPDATE SET version = EXCLUDED.version
     RETURNING ${ENCODER_COLUMNS}`,
    [input.version, input.dims, input.params],
  );
  return rows[0]!;
}

// Stored versions are immutable: restored encoders are kept per process.
const globalRef = globalThis as unknown as { __liberUifEncoders?: Map<number, BuiltinEncoder> };
const builtinCache = (globalRef.__liberUifEncoders ??= new Map());

/** The builtin encoder of a stored version (its IDF checked against the version hash). */
export async function loadBuiltinEncoder(row: EncoderVersionRow): Promise<BuiltinEncoder> {
  const cached = builtinCache.get(row.id);
  if (cached) return cached;
  const { rows } = await pool().query<{ idf_df: Buffer; idf_documents: number; params: Record<string, unknown> }>(
    `SELECT idf_df, idf_documents, params FROM uif_encoder_versions WHERE id = $1 AND kind = 'builtin'`,
    [row.id],
  );
  const r = rows[0];
  if (!r) throw new Error(`encoder version ${row.id} is not a builtin version`);
  const p = r.params as { idfBuckets: number; bigrams: boolean; tokenizer: string; idfVersion: string; dims: number };
  const params: IdfParams = { idfBuckets: p.idfBuckets, bigrams: p.bigrams, tokenizer: p.tokenizer };
  const df = new Int32Array(r.idf_df.byteLength / 4);
  for (let i = 0; i < df.length; i++) df[i] = r.idf_df.readInt32LE(i * 4);
  const idf: IdfModel = restoreIdf({ params, documents: r.idf_documents, df, version: p.idfVersion });
  const encoder = new BuiltinEncoder(idf, row.dims);
  if (encoder.version !== row.version)
    throw new Error(`encoder version ${row.id}: rebuilt as ${encoder.version}, stored as ${row.version}`);
  builtinCache.set(row.id, encoder);
  return encoder;
}

// ---------------------------------------------------------------------------------------
// Texts to encode

export interface SummaryText {
  summaryId: number;
  userId: number;
  configId: number;
  seq: number;
  sealedAt: Date;
  promptVersionId: number;
  inputHash: string;
  summaryCreatedAt: Date;
  summary: string;
  shift: string | null;
}

/**
 * The summary of each sealed partition that the vectors and features use: the newest
 * successful one for the partition's current content under the prompt version.
 */
export const CHOSEN_SUMMARY_LATERAL = `
  JOIN LATERAL (
    SELECT s.id, s.input_hash, s.created_at, s.summary, s.shift, s.prompt_version_id FROM partition_summaries s
    WHERE s.user_id = p.user_id AND s.config_id = p.config_id AND s.prompt_version_id = $2 AND s.seq = p.seq
      AND s.partition_content_hash = p.content_hash AND s.status = 'ok' AND s.summary IS NOT NULL
    ORDER BY s.id DESC LIMIT 1) s ON true`;

/**
 * Chosen summaries of partitions sealed before `before` (all when null), for some users or
 * all; with `missingFor`, only those without a current vector under that encoder version.
 * Written as LATERAL lookups so that every step is an index probe whatever the statistics
 * (a fresh database has none, and a misestimated join here cost seconds).
 */
export async function chosenSummaries(
  configId: number,
  promptVersionId: number,
  opts: { userIds?: readonly number[] | null; before?: Date | null; missingFor?: number | null },
): Promise<SummaryText[]> {
  const { rows } = await pool().query<{
    summary_id: number;
    user_id: number;
    config_id: number;
    seq: number;
    sealed_at_ts: Date;
    prompt_version_id: number;
    input_hash: string;
    summary_created_at: Date;
    summary: string;
    shift: string | null;
  }>(
    `SELECT s.id AS summary_id, p.user_id, p.config_id, p.seq, p.sealed_at_ts, s.prompt_version_id, s.input_hash,
            s.created_at AS summary_created_at, s.summary, s.shift
     FROM partitions p ${CHOSEN_SUMMARY_LATERAL}
     WHERE p.config_id = $1 AND ($3::int[] IS NULL OR p.user_id = ANY($3::int[])) AND ($4::timestamptz IS NULL OR p.sealed_at_ts < $4)
       AND ($5::int IS NULL OR NOT EXISTS (
         SELECT 1 FROM uif_partition_vectors v
         WHERE v.encoder_version_id = $5 AND v.summary_id = s.id AND v.text_kind = 'summary' AND v.summary_created_at = s.created_at))
     ORDER BY p.user_id, p.seq`,
    [configId, promptVersionId, opts.userIds ?? null, opts.before ?? null, opts.missingFor ?? null],
  );
  return rows.map((r) => ({
    summaryId: r.summary_id,
    userId: r.user_id,
    configId: r.config_id,
    seq: r.seq,
    sealedAt: r.sealed_at_ts,
    promptVersionId: r.prompt_version_id,
    inputHash: r.input_hash,
    summaryCreatedAt: r.summary_created_at,
    summary: r.summary,
    shift: r.shift,
  }));
}

/** Users that have a successful summary under the config and prompt, in id order. */
export async function usersWithSummaries(configId: number, promptVersionId: number): Promise<number[]> {
  const { rows } = await pool().query<{ user_id: number }>(
    `SELECT DISTINCT user_id FROM partition_summaries WHERE config_id = $1 AND prompt_version_id = $2 AND status = 'ok' ORDER BY user_id`,
    [configId, promptVersionId],
  );
  return rows.map((r) => r.user_id);
}

// ---------------------------------------------------------------------------------------
// Vectors

export interface VectorDraft {
  text: SummaryText;
  kind: TextKind;
  textHash: string;
}

/** Stored vectors of an encoder version by text hash (one per hash). */
export async function vectorsByTextHash(
  encoderVersionId: number,
  hashes: readonly string[],
): Promise<Map<string, Buffer>> {
  if (hashes.length === 0) return new Map();
  const { rows } = await pool().query<{ text_hash: string; vector: Buffer }>(
    `SELECT DISTINCT ON (text_hash) text_hash, vector FROM uif_partition_vectors
     WHERE encoder_version_id = $1 AND text_hash = ANY($2::text[])`,
    [encoderVersionId, hashes],
  );
  return new Map(rows.map((r) => [r.text_hash, r.vector]));
}

/** Writes vectors (one statement); a row for the same (version, summary, kind) is replaced. */
export async function writeVectors(
  encoderVersionId: number,
  drafts: readonly { draft: VectorDraft; bytes: Buffer }[],
): Promise<void> {
  if (drafts.length === 0) return;
  const col = <T>(f: (d: VectorDraft) => T) => drafts.map(({ draft }) => f(draft));
  await pool().query(
    `INSERT INTO uif_partition_vectors (encoder_version_id, user_id, config_id, seq, sealed_at_ts, summary_id, prompt_version_id,
       input_hash, summary_created_at, text_kind, text_hash, vector)
     SELECT $1, * FROM unnest($2::int[], $3::int[], $4::int[], $5::timestamptz[], $6::int[], $7::int[], $8::text[],
       $9::timestamptz[], $10::text[], $11::text[], $12::bytea[])
     ON CONFLICT (encoder_version_id, summary_id, text_kind) DO UPDATE SET
       text_hash = EXCLUDED.text_hash, vector = EXCLUDED.vector, summary_created_at = EXCLUDED.summary_created_at,
       sealed_at_ts = EXCLUDED.sealed_at_ts, seq = EXCLUDED.seq, created_at = now()`,
    [
      encoderVersionId,
      col((d) => d.text.userId),
      col((d) => d.text.configId),
      col((d) => d.text.seq),
      col((d) => d.text.sealedAt),
      col((d) => d.text.summaryId),
      col((d) => d.text.promptVersionId),
      col((d) => d.text.inputHash),
      col((d) => d.text.summaryCreatedAt),
      col((d) => d.kind),
      col((d) => d.textHash),
      drafts.map((d) => d.bytes),
    ],
  );
}

export { bytesToVector, vectorToBytes };

/** One sealed partition with its chosen summary and vectors, as the features read it. */
export interface PartitionFeatureRow {
  userId: number;
  seq: number;
  startTs: Date;
  endTs: Date;
  sealedAt: Date;
  count: number;
  summaryId: number | null;
  inputHash: string | null;
  summaryText: string | null;
  shiftText: string | null;
  summary: Float32Array | null;
  shift: Float32Array | null;
  /** Seal time stored with each vector row (epoch ms; null without the vector): as-of filters apply to it too. */
  summarySealedMs: number | null;
  shiftSealedMs: number | null;
}

/**
 * Sealed partitions (sealed_at_ts < asOf) of some users with their chosen summary and its
 * vectors under the encoder version, in (user, seq) order. Three index range scans run in
 * parallel and are joined here (a single SQL join was at the planner's mercy on a database
 * without statistics: seconds instead of milliseconds at 1,000 partitions). Each of them is
 * bounded by the seal time: summaries and vectors of partitions sealed at or after asOf are
 * never read.
 */
export async function partitionFeatureRows(input: {
  userIds: readonly number[];
  configId: number;
  promptVersionId: number;
  encoderVersionId: number | null;
  /** null: every sealed partition (the features cache reads a user's whole set and filters by asOf in memory). */
  asOf: Date | null;
  withTexts?: boolean;
}): Promise<PartitionFeatureRow[]> {
  const { configId, promptVersionId, userIds, asOf } = input;
  const [partitions, summaries, vectors] = await Promise.all([
    pool().query<{
      user_id: number;
      seq: number;
      content_hash: string;
      start_ts: Date;
      end_ts: Date;
      sealed_at_ts: Date;
      count: number;
    }>(
      `SELECT user_id, seq, content_hash, start_ts, end_ts, sealed_at_ts, count FROM partitions
       WHERE user_id = ANY($2::int[]) AND config_id = $1 AND ($3::timestamptz IS NULL OR sealed_at_ts < $3) ORDER BY user_id, seq`,
      [configId, userIds, asOf],
    ),
    pool().query<{
      id: number;
      user_id: number;
      seq: number;
      partition_content_hash: string;
      input_hash: string;
      summary: string | null;
      shift: string | null;
    }>(
      `SELECT s.id, s.user_id, s.seq, s.partition_content_hash, s.input_hash,
              ${input.withTexts ? "s.summary, s.shift" : "NULL::text AS summary, NULL::text AS shift"}
       FROM partition_summaries s
       WHERE s.user_id = ANY($2::int[]) AND s.config_id = $1 AND s.prompt_version_id = $3 AND s.status = 'ok' AND s.summary IS NOT NULL
         AND EXISTS (SELECT 1 FROM partitions p WHERE p.user_id = s.user_id AND p.config_id = s.config_id AND p.seq = s.seq
                       AND p.content_hash = s.partition_content_hash AND ($4::timestamptz IS NULL OR p.sealed_at_ts < $4))
       ORDER BY s.id DESC`,
      [configId, userIds, promptVersionId, asOf],
    ),
    input.encoderVersionId === null
      ? Promise.resolve({ rows: [] as { summary_id: number; text_kind: string; sealed_ms: number; vector: Buffer }[] })
      : pool().query<{ summary_id: number; text_kind: string; sealed_ms: number; vector: Buffer }>(
          `SELECT summary_id, text_kind, (extract(epoch FROM sealed_at_ts) * 1000)::float8 AS sealed_ms, vector FROM uif_partition_vectors
           WHERE user_id = ANY($2::int[]) AND config_id = $1 AND encoder_version_id = $3 AND ($4::timestamptz IS NULL OR sealed_at_ts < $4)`,
          [configId, userIds, input.encoderVersionId, asOf],
        ),
  ]);
  // The chosen summary of a partition: the newest ok one for its current content (rows come newest first).
  const chosen = new Map<string, (typeof summaries.rows)[number]>();
  for (const s of summaries.rows) {
    const key = `${s.user_id}:${s.seq}:${s.partition_content_hash}`;
    if (!chosen.has(key)) chosen.set(key, s);
  }
  const summaryVectors = new Map<number, (typeof vectors.rows)[number]>();
  const shiftVectors = new Map<number, (typeof vectors.rows)[number]>();
  for (const v of vectors.rows) (v.text_kind === "summary" ? summaryVectors : shiftVectors).set(v.summary_id, v);
  return partitions.rows.map((p) => {
    const s = chosen.get(`${p.user_id}:${p.seq}:${p.content_hash}`) ?? null;
    const sv = s ? summaryVectors.get(s.id) : undefined;
    const hv = s ? shiftVectors.get(s.id) : undefined;
    return {
      userId: p.user_id,
      seq: p.seq,
      startTs: p.start_ts,
      endTs: p.end_ts,
      sealedAt: p.sealed_at_ts,
      count: p.count,
      summaryId: s?.id ?? null,
      inputHash: s?.input_hash ?? null,
      summaryText: s?.summary ?? null,
      shiftText: s?.shift ?? null,
      summary: sv ? bytesToVector(sv.vector) : null,
      shift: hv ? bytesToVector(hv.vector) : null,
      summarySealedMs: sv ? sv.sealed_ms : null,
      shiftSealedMs: hv ? hv.sealed_ms : null,
    };
  });
}

// ---------------------------------------------------------------------------------------
// Fusion configs

export interface FusionConfigRow {
  id: number;
  version: string;
  params: FusionParams;
  createdAt: Date;
}

export async function ensureFusionConfig(
  params: FusionParams,
  createdBy: string | null = null,
  note: string | null = null,
): Promise<FusionConfigRow> {
  validateFusionParams(params);
  const canonical: FusionParams = {
    temperature: params.temperature,
    halfLifeDays: params.halfLifeDays,
    shiftWeight: params.shiftWeight,
  };
  const { rows } = await pool().query<FusionConfigRow>(
    `INSERT INTO uif_fusion_configs (version, params, note, created_by) VALUES ($1, $2, $3, $4)
     ON CONFLICT (version) DO UPDATE SET version = EXCLUDED.version
     RETURNING id, version, params, created_at AS "createdAt"`,
    [fusionVersion(canonical), canonical, note, createdBy],
  );
  return rows[0]!;
}

export async function getFusionConfig(id: number): Promise<FusionConfigRow | null> {
  const { rows } = await pool().query<FusionConfigRow>(
    `SELECT id, version, params, created_at AS "createdAt" FROM uif_fusion_configs WHERE id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

export async function listFusionConfigs(): Promise<FusionConfigRow[]> {
  const { rows } = await pool().query<FusionConfigRow>(
    `SELECT id, version, params, created_at AS "createdAt" FROM uif_fusion_configs ORDER BY id`,
  );
  return rows;
}

/**
 * What a user's feature rows depend on, in one round trip: row count, newest id and newest
 * write time of their partitions (re-partitioning deletes and re-inserts them), of their
 * summaries under the prompt version and of their vectors under the encoder version (a
 * re-encoded vector keeps its id but gets a new created_at). Equal signatures: equal rows.
 */
export async function featureRowsSignature(input: {
  userId: number;
  configId: number;
  promptVersionId: number;
  encoderVersionId: number | null;
}): Promise<string> {
  const stat = (table: string, where: string) =>
    `(SELECT count(*) || '/' || coalesce(max(id), 0) || '/' || coalesce((extract(epoch FROM max(created_at)) * 1000)::bigint, 0) FROM ${table} WHERE ${where})`;
  const { rows } = await pool().query<{ p: string; s: string; v: string }>(
    `SELECT ${stat("partitions", "user_id = $1 AND config_id = $2")} AS p,
            ${stat("partition_summaries", "user_id = $1 AND config_id = $2 AND prompt_version_id = $3")} AS s,
            ${stat("uif_partition_vectors", "user_id = $1 AND config_id = $2 AND encoder_version_id = $4")} AS v`,
    [input.userId, input.configId, input.promptVersionId, input.encoderVersionId ?? 0],
  );
  const r = rows[0]!;
  return `${r.p}|${r.s}|${r.v}`;
}
