import { badRequest, conflict, notFound } from "../api/errors";
import { config } from "../config";
import { pool } from "../db/client";
import { requirePrompt } from "../summaries/prompts";
import { requireConfigId, type ConfigRef } from "../summaries/service";
import { publicEndpoint } from "../llm/openai-provider";
import { envApiKey, PriceTable } from "../summaries/settings";
import { BuiltinEncoder, DEFAULT_DIMS, fitIdf } from "./builtin";
import type {
  EncodeResult,
  EncoderKind,
  EncoderRefInfo,
  EncoderVersionInfo,
  EncodersResponse,
  FitResult,
  TextKind,
} from "./contract";
import { textHash, vectorToBytes, type Encoder } from "./encoder";
import {
  OpenAiEncoder,
  openAiEncoderVersion,
  type EmbeddingCallTrace,
  type OpenAiEncoderOptions,
} from "./openai-encoder";
import {
  chosenSummaries,
  ensureOpenAiVersion,
  getEncoderVersion,
  latestEncoderVersion,
  listEncoderVersions,
  loadBuiltinEncoder,
  saveBuiltinVersion,
  vectorsByTextHash,
  writeVectors,
  type EncoderVersionRow,
  type SummaryText,
  type VectorDraft,
} from "./store";
import { bytesToVector } from "./encoder";

/**
 * Fitting builtin IDF versions and encoding summaries into stored partition vectors.
 * Encoding is incremental: only chosen summaries without a vector under the version are
 * encoded, and a text whose hash already has a vector under the version is copied, never
 * encoded again.
 */

export interface Scope {
  configId: number;
  promptVersionId: number;
  prompt: { id: number; name: string; version: number };
}

export async function resolveScope(input: { config?: ConfigRef; prompt?: number | "production" } = {}): Promise<Scope> {
  const [configId, prompt] = await Promise.all([requireConfigId(input.config), requirePrompt(input.prompt)]);
  return {
    configId,
    promptVersionId: prompt.id!,
    prompt: { id: prompt.id!, name: prompt.name, version: prompt.version! },
  };
}

export function encoderInfo(
  row: EncoderVersionRow & { vectors?: number },
  defaultId: number | null,
): EncoderVersionInfo {
  return {
    id: row.id,
    kind: row.kind,
    version: row.version,
    dims: row.dims,
    params: row.params,
    fittedAt: row.fittedAt.toISOString(),
    fittedUntil: row.fittedUntil?.toISOString() ?? null,
    idfDocuments: row.idfDocuments,
    vectors: row.vectors ?? 0,
    isDefault: row.id === defaultId,
  };
}

export function encoderRef(row: EncoderVersionRow): EncoderRefInfo {
  return {
    id: row.id,
    kind: row.kind,
    version: row.version,
    dims: row.dims,
    fittedUntil: row.fittedUntil?.toISOString() ?? null,
  };
}

// ---------------------------------------------------------------------------------------
// Fitting

const USERS_PER_READ = 500;

/**
 * Fits a builtin IDF on the chosen summaries (summary and shift texts, one document each) of
 * partitions sealed strictly before `asOf` (all when omitted) and stores it as an encoder
 * version whose fitted_until is asOf, or without asOf the last seal it saw + 1 ms.
 */
export async function fitBuiltinVersion(
  input: { asOf?: Date; dims?: number; scope?: Scope; createdBy?: string | null } = {},
): Promise<FitResult> {
  const scope = input.scope ?? (await resolveScope());
  const dims = input.dims ?? DEFAULT_DIMS;
  if (!Number.isInteger(dims) || dims < 2 || dims > 4096) throw badRequest("dims must be an integer from 2 to 4096.");
  const docs: string[] = [];
  let lastSeal = -Infinity;
  const users = await pool().query<{ user_id: number }>(
    `SELECT DISTINCT user_id FROM partition_summaries WHERE config_id = $1 AND prompt_version_id = $2 AND status = 'ok' ORDER BY user_id`,
    [scope.configId, scope.promptVersionId],
  );
  const ids = users.rows.map((r) => r.user_id);
  for (let i = 0; i < ids.length; i += USERS_PER_READ) {
    const texts = await chosenSummaries(scope.configId, scope.promptVersionId, {
      userIds: ids.slice(i, i + USERS_PER_READ),
      before: input.asOf ?? null,
    });
    for (const t of texts) {
      docs.push(t.summary);
      if (t.shift) docs.push(t.shift);
      lastSeal = Math.max(lastSeal, t.sealedAt.getTime());
    }
  }
  const encoder = new BuiltinEncoder(fitIdf(docs), dims);
  const fittedUntil = input.asOf ?? new Date(Number.isFinite(lastSeal) ? lastSeal + 1 : Date.now());
  const { row, created } = await saveBuiltinVersion({
    encoder,
    fittedUntil,
    configId: scope.configId,
    promptVersionId: scope.promptVersionId,
    createdBy: input.createdBy ?? null,
  });
  const defaultRow = await latestEncoderVersion("builtin", null);
  return { encoder: encoderInfo(row, defaultRow?.id ?? null), created };
}

// ---------------------------------------------------------------------------------------
// Encoders

export interface OpenAiSettings {
  baseURL: string;
  model: string;
  dimensions: number;
  batchSize: number;
  apiKey: string | undefined;
}

/** The openai encoder as the environment configures it; null when no endpoint is set. */
export function openAiSettings(): OpenAiSettings | null {
  const cfg = config();
  const baseURL = cfg.LIBER_EMBED_BASE_URL ?? cfg.LIBER_LLM_BASE_URL;
  if (!baseURL) return null;
  return {
    baseURL,
    model: cfg.LIBER_EMBED_MODEL,
    dimensions: cfg.LIBER_EMBED_DIMENSIONS,
    batchSize: cfg.LIBER_EMBED_BATCH,
    apiKey: envApiKey(cfg),
  };
}

/** Tests: an openai encoder's options instead of the environment's. */
export interface EncoderOverrides {
  openai?: Partial<OpenAiEncoderOptions> & Pick<OpenAiEncoderOptions, "baseURL" | "model" | "dimensions">;
}

async function openAiOptions(overrides: EncoderOverrides): Promise<OpenAiEncoderOptions> {
  if (overrides.openai) return overrides.openai;
  const s = openAiSettings();
  if (!s)
    throw badRequest(
      "The openai encoder is not configured: set LIBER_EMBED_BASE_URL (or LIBER_LLM_BASE_URL) and the key in LIBER_LLM_API_KEY.",
    );
  const cfg = config();
  return {
    baseURL: s.baseURL,
    model: s.model,
    dimensions: s.dimensions,
    batchSize: s.batchSize,
    ...(s.apiKey ? { apiKey: s.apiKey } : {}),
    ...(cfg.LIBER_LLM_TIMEOUT_MS ? { timeoutMs: cfg.LIBER_LLM_TIMEOUT_MS } : {}),
    ...(cfg.LIBER_LLM_MAX_CONCURRENCY ? { maxConcurrency: cfg.LIBER_LLM_MAX_CONCURRENCY } : {}),
    ...(cfg.LIBER_LLM_TOKENS_PER_MINUTE ? { tokensPerMinute: cfg.LIBER_LLM_TOKENS_PER_MINUTE } : {}),
  };
}

export async function listEncoders(): Promise<EncodersResponse> {
  const [rows, defaultRow] = await Promise.all([listEncoderVersions(), latestEncoderVersion("builtin", null)]);
  const s = openAiSettings();
  return {
    encoders: rows.map((r) => encoderInfo(r, defaultRow?.id ?? null)),
    openai: s
      ? { baseUrl: publicEndpoint(s.baseURL), model: s.model, dimensions: s.dimensions, keySet: Boolean(s.apiKey) }
      : null,
  };
}

/**
 * An encoder version by reference: an id, or the newest of a kind usable at `asOf` (builtin:
 * fitted_until <= asOf; openai: the configured model). Null when none exists.
 */
export async function findEncoderVersion(
  ref: number | EncoderKind | undefined,
  asOf: Date | null,
  overrides: EncoderOverrides = {},
): Promise<EncoderVersionRow | null> {
  if (typeof ref === "number") {
    const row = await getEncoderVersion(ref);
    if (!row) throw notFound(`Encoder version ${ref}`);
    if (asOf && row.fittedUntil && row.fittedUntil.getTime() > asOf.getTime()) {
      throw conflict(
        `Encoder version ${ref} was fitted on texts up to ${row.fittedUntil.toISOString()}, after asOf ${asOf.toISOString()}: ` +
          `its IDF would leak later data. Use an older version or fit one with { action: "fit", asOf }.`,
      );
    }
    return row;
  }
  if (ref === "openai") {
    const o = await openAiOptions(overrides);
    const version = openAiEncoderVersion(o.baseURL, o.model, o.dimensions);
    const { rows } = await pool().query<{ id: number }>(`SELECT id FROM uif_encoder_versions WHERE version = $1`, [
      version,
    ]);
    return rows[0] ? getEncoderVersion(rows[0].id) : null;
  }
  return latestEncoderVersion("builtin", asOf);
}

/** The encoder that makes a stored version's vectors (openai: cache and traces in the database). */
export async function encoderFor(
  row: EncoderVersionRow,
  overrides: EncoderOverrides = {},
  createdBy: string | null = null,
): Promise<Encoder> {
  if (row.kind === "builtin") return loadBuiltinEncoder(row);
  const o = await openAiOptions(overrides);
  if (openAiEncoderVersion(o.baseURL, o.model, o.dimensions) !== row.version) {
    throw conflict(
      `Encoder version ${row.id} (${row.version}) is not the openai encoder configured now; its vectors can be read but no new ones made.`,
    );
  }
  return new CachedEmbeddings(row, o, createdBy);
}

/**
 * The openai encoder behind the embeddings cache: (endpoint, model, dims, text hash) hits
 * are served from uif_embedding_cache; misses go to the endpoint in batches, and every
 * request (failures included) leaves a uif_embedding_calls row with tokens and cost.
 */
class CachedEmbeddings implements Encoder {
  readonly id = "openai";
  readonly version: string;
  readonly dims: number;

  constructor(
    private readonly row: EncoderVersionRow,
    private readonly options: OpenAiEncoderOptions,
    private readonly createdBy: string | null,
  ) {
    this.version = row.version;
    this.dims = row.dims;
  }

  async encode(texts: readonly string[]): Promise<Float32Array[]> {
    const prices = await PriceTable.load();
    const traces: EmbeddingCallTrace[] = [];
    const price = prices.cost("openai", this.options.model, 1_000_000, 0);
    const inner = new OpenAiEncoder({
      ...this.options,
      inputUsdPerMillion: this.options.inputUsdPerMillion ?? price,
      onCall: (t) => traces.push(t),
    });
    const hashes = texts.map(textHash);
    const { rows } = await pool().query<{ text_hash: string; vector: Buffer }>(
      `UPDATE uif_embedding_cache SET hits = hits + 1 WHERE endpoint = $1 AND model = $2 AND dims = $3 AND text_hash = ANY($4::text[])
       RETURNING text_hash, vector`,
      [inner.endpoint, inner.model, inner.dims, [...new Set(hashes)]],
    );
    const cached = new Map(rows.map((r) => [r.text_hash, bytesToVector(r.vector)]));
    const missing = [...new Map(texts.map((t, i) => [hashes[i]!, t])).entries()].filter(([h]) => !cached.has(h));
    let failure: unknown = null;
    try {
      const vectors = missing.length > 0 ? await inner.encode(missing.map(([, t]) => t)) : [];
      missing.forEach(([h], i) => cached.set(h, vectors[i]!));
      if (missing.length > 0) {
        await pool().query(
          `INSERT INTO uif_embedding_cache (endpoint, model, dims, text_hash, vector)
           SELECT $1, $2, $3, * FROM unnest($4::text[], $5::bytea[]) ON CONFLICT DO NOTHING`,
          [inner.endpoint, inner.model, inner.dims, missing.map(([h]) => h), vectors.map(vectorToBytes)],
        );
      }
    } catch (err) {
      failure = err;
    }
    if (traces.length > 0) {
      await pool().query(
        `INSERT INTO uif_embedding_calls (encoder_version_id, endpoint, model, texts, prompt_tokens, tokens_estimated, cost_usd,
           latency_ms, attempts, status, error_kind, error, created_by)
         SELECT $1, $2, $3, x.texts, x.prompt_tokens, x.tokens_estimated, x.cost_usd, x.latency_ms, x.attempts, x.status, x.error_kind, x.error, $4
         FROM jsonb_to_recordset($5::jsonb) AS x(texts int, prompt_tokens int, tokens_estimated boolean, cost_usd float8,
           latency_ms int, attempts jsonb, status text, error_kind text, error text)`,
        [
          this.row.id,
          inner.endpoint,
          inner.model,
          this.createdBy,
          JSON.stringify(
            traces.map((t) => ({
              texts: t.texts,
              prompt_tokens: t.promptTokens,
              tokens_estimated: t.tokensEstimated,
              cost_usd: t.costUsd,
              latency_ms: Math.round(t.latencyMs),
              attempts: t.attempts,
              status: t.status,
              error_kind: t.errorKind,
              error: t.error,
            })),
          ),
        ],
      );
    }
    if (failure) throw failure;
    return hashes.map((h) => cached.get(h)!);
  }
}

// ---------------------------------------------------------------------------------------
// Encoding

const TEXTS_PER_BATCH = 2000;

/**
 * Encodes, under one encoder version, every chosen summary (and its shift) of the users (all
 * by default) that has no vector yet. Returns what was encoded, copied and skipped.
 */
export async function encodeMissing(
  row: EncoderVersionRow,
  input: { scope?: Scope; userIds?: readonly number[] | null; before?: Date | null; createdBy?: string | null } = {},
  overrides: EncoderOverrides = {},
): Promise<EncodeResult> {
  const started = performance.now();
  const scope = input.scope ?? (await resolveScope());
  const totals = { encoded: 0, reused: 0, skipped: 0 };
  const pending = await chosenSummaries(scope.configId, scope.promptVersionId, {
    userIds: input.userIds ?? null,
    before: input.before ?? null,
    missingFor: row.id,
  });
  if (pending.length > 0) {
    const encoder = await encoderFor(row, overrides, input.createdBy ?? null);
    for (let i = 0; i < pending.length; i += TEXTS_PER_BATCH) {
      const t = await encodeTexts(row, encoder, pending.slice(i, i + TEXTS_PER_BATCH));
      totals.encoded += t.encoded;
      totals.reused += t.reused;
    }
  }
  const all = await pool().query<{ n: number }>(
    `SELECT count(*)::int AS n FROM uif_partition_vectors WHERE encoder_version_id = $1 AND text_kind = 'summary'
       AND ($2::int[] IS NULL OR user_id = ANY($2::int[]))`,
    [row.id, input.userIds ?? null],
  );
  totals.skipped = Math.max(0, all.rows[0]!.n - pending.length);
  const [defaultRow, withCount] = await Promise.all([
    latestEncoderVersion("builtin", null),
    pool().query<{ n: number }>(`SELECT count(*)::int AS n FROM uif_partition_vectors WHERE encoder_version_id = $1`, [
      row.id,
    ]),
  ]);
  return {
    encoder: encoderInfo({ ...row, vectors: withCount.rows[0]!.n }, defaultRow?.id ?? null),
    ...totals,
    durationMs: Math.round(performance.now() - started),
  };
}

async function encodeTexts(
  row: EncoderVersionRow,
  encoder: Encoder,
  texts: readonly SummaryText[],
): Promise<{ encoded: number; reused: number }> {
  const drafts: { text: SummaryText; kind: TextKind; content: string; textHash: string }[] = [];
  for (const text of texts) {
    drafts.push({ text, kind: "summary", content: text.summary, textHash: textHash(text.summary) });
    if (text.shift) drafts.push({ text, kind: "shift", content: text.shift, textHash: textHash(text.shift) });
  }
  const existing = await vectorsByTextHash(row.id, [...new Set(drafts.map((d) => d.textHash))]);
  const toEncode = new Map<string, string>();
  for (const d of drafts) if (!existing.has(d.textHash)) toEncode.set(d.textHash, d.content);
  const order = [...toEncode.keys()];
  const vectors = await encoder.encode(order.map((h) => toEncode.get(h)!));
  if (vectors.some((v) => v.length !== row.dims))
    throw new Error(`encoder ${row.version} returned vectors of the wrong length`);
  const fresh = new Map(order.map((h, i) => [h, vectorToBytes(vectors[i]!)]));
  const reusedHashes = new Set<string>();
  const rows = drafts.map((d) => {
    const bytes = existing.get(d.textHash) ?? fresh.get(d.textHash)!;
    if (existing.has(d.textHash)) reusedHashes.add(d.textHash);
    const draft: VectorDraft = { text: d.text, kind: d.kind, textHash: d.textHash };
    return { draft, bytes };
  });
  await writeVectors(row.id, rows);
  return { encoded: order.length, reused: rows.length - order.length };
}

/**
 * After summaries were written: encode the new ones under the default builtin version (the
 * newest). Without any builtin version yet, one is fitted on the stored summaries first.
 */
export async function encodeAfterSummaries(event: {
  configId: number;
  promptVersionId: number;
  userIds: readonly number[] | null;
}): Promise<EncodeResult | null> {
  const prompt = await requirePrompt(event.promptVersionId);
  const scope: Scope = {
    configId: event.configId,
    promptVersionId: event.promptVersionId,
    prompt: { id: prompt.id!, name: prompt.name, version: prompt.version! },
  };
  let row = await latestEncoderVersion("builtin", null);
  if (!row) {
    const fitted = await fitBuiltinVersion({ scope, createdBy: "auto" });
    row = await getEncoderVersion(fitted.encoder.id);
  }
  return encodeMissing(row!, { scope, userIds: event.userIds, createdBy: "auto" });
}

/** Ensures the openai version row of the configured encoder exists. */
export async function ensureOpenAiEncoderVersion(overrides: EncoderOverrides = {}): Promise<EncoderVersionRow> {
  const o = await openAiOptions(overrides);
  return ensureOpenAiVersion({
    version: openAiEncoderVersion(o.baseURL, o.model, o.dimensions),
    dims: o.dimensions,
    params: { endpoint: new OpenAiEncoder(o).endpoint, model: o.model, dimensions: o.dimensions },
  });
}
