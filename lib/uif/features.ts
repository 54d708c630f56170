import { notFound, unprocessable } from "../api/errors";
import { pool } from "../db/client";
import { ACTIVE_LABEL } from "../partitions/configs";
import { DEFAULT_PROMPT_NAME, PRODUCTION_LABEL } from "../summaries/prompts";
import type { ConfigRef } from "../summaries/service";
import type {
  ConfigRefInfo,
  EmptyReason,
  EncoderKind,
  ExportFormat,
  FeaturePartition,
  FusionConfigInfo,
  NeighboursResponse,
  PopulationColor,
  PopulationPoint,
  PopulationResponse,
  ProjectionMethod,
  UserFeatures,
  UserVectors,
  VectorColumn,
  VectorEncoding,
  WireVector,
} from "./contract";
import { contentHash, vectorToBase64 } from "./encoder";
import {
  encodeMissing,
  encoderRef,
  findEncoderVersion,
  resolveScope,
  type EncoderOverrides,
  type Scope,
} from "./encoding";
import { csvHeader, csvRows, jsonlRows, npyHeader, npyRows, parquetFile, type ExportRow } from "./export";
import { DEFAULT_FUSION, fuse, fusePartitionVectors, fusionVersion, partitionVector, type FusionInput } from "./fusion";
import {
  featureCacheBudget,
  featureCacheKey,
  getFeatureSet,
  newFeatureSet,
  partitionVectorsOf,
  putFeatureSet,
  wireText,
  type CachedFeatureSet,
} from "./feature-cache";
import { databaseUrl } from "../config";
import { pca2d, umap2dYielding, type Point2 } from "./projection";
import {
  ensureFusionConfig,
  featureRowsSignature,
  getFusionConfig,
  partitionFeatureRows,
  type EncoderVersionRow,
  type FusionConfigRow,
  type PartitionFeatureRow,
} from "./store";
import { driftCurve, kNearest, topVarianceDimensions } from "./vectors";

/**
 * Reads of fused features: the as-of features API, the user's vector views, the population
 * map, neighbours and the export. The leakage rule is applied in one place: only partitions
 * with sealed_at_ts < asOf are read (store.partitionFeatureRows), and an encoder version is
 * used at asOf only when its IDF horizon fitted_until <= asOf (encoding.findEncoderVersion).
 */

export interface FeatureQuery {
  asOf: Date;
  encoder?: number | EncoderKind;
  fusion?: number;
  config?: ConfigRef;
  prompt?: number | "production";
}

export interface FeatureContext {
  scope: Scope;
  config: ConfigRefInfo;
  encoder: EncoderVersionRow | null;
  fusion: FusionConfigRow;
  asOf: Date;
}

export function fusionInfo(row: FusionConfigRow): FusionConfigInfo {
  return {
    id: row.id,
    version: row.version,
    params: row.params,
    createdAt: row.createdAt.toISOString(),
    isDefault: row.version === fusionVersion(DEFAULT_FUSION),
  };
}

// The default fusion row, once per process (rows are immutable).
const defaultFusion = globalThis as unknown as {
  __liberUifDefaultFusion?: { url: string; row: Promise<FusionConfigRow> };
};

export async function resolveFusion(id: number | undefined): Promise<FusionConfigRow> {
  if (id === undefined) {
    const url = process.env.DATABASE_URL ?? "";
    if (defaultFusion.__liberUifDefaultFusion?.url !== url) {
      const row = ensureFusionConfig(DEFAULT_FUSION);
      row.catch(() => delete defaultFusion.__liberUifDefaultFusion);
      defaultFusion.__liberUifDefaultFusion = { url, row };
    }
    return defaultFusion.__liberUifDefaultFusion!.row;
  }
  const row = await getFusionConfig(id);
  if (!row) throw notFound(`Fusion config ${id}`);
  return row;
}

export async function featureContext(q: FeatureQuery, overrides: EncoderOverrides = {}): Promise<FeatureContext> {
  const [resolved, encoder, fusion] = await Promise.all([
    fastScope(q).then(async (fast) => fast ?? slowScope(q)),
    findEncoderVersion(q.encoder, q.asOf, overrides),
    resolveFusion(q.fusion),
  ]);
  return { scope: resolved.scope, config: resolved.config, encoder, fusion, asOf: q.asOf };
}

/**
 * Config and prompt version (by id, or the "active" and "production" labels) in one round
 * trip: the features API's fixed cost. Null when either is missing, so that the slow path
 * (lib/summaries's resolvers: seeding the default prompt, 404 messages) decides.
 */
async function fastScope(q: FeatureQuery): Promise<{ scope: Scope; config: ConfigRefInfo } | null> {
  const configId = typeof q.config === "number" ? q.config : null;
  const promptId = typeof q.prompt === "number" ? q.prompt : null;
  const { rows } = await pool().query<{
    config_id: number;
    config_name: string;
    config_version: number;
    prompt_id: number;
    prompt_name: string;
    prompt_version: number;
  }>(
    `SELECT c.id AS config_id, c.name AS config_name, c.version AS config_version,
            pv.id AS prompt_id, pv.name AS prompt_name, pv.version AS prompt_version
     FROM partition_configs c, prompt_versions pv
     WHERE c.id = coalesce($1::int, (SELECT config_id FROM partition_config_labels WHERE label = $3))
       AND pv.id = coalesce($2::int, (SELECT prompt_version_id FROM prompt_labels WHERE name = $4 AND label = $5))`,
    [configId, promptId, ACTIVE_LABEL, DEFAULT_PROMPT_NAME, PRODUCTION_LABEL],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    scope: {
      configId: r.config_id,
      promptVersionId: r.prompt_id,
      prompt: { id: r.prompt_id, name: r.prompt_name, version: r.prompt_version },
    },
    config: { id: r.config_id, name: r.config_name, version: r.config_version },
  };
}

async function slowScope(q: FeatureQuery): Promise<{ scope: Scope; config: ConfigRefInfo }> {
  const scope = await resolveScope({
    ...(q.config !== undefined ? { config: q.config } : {}),
    ...(q.prompt !== undefined ? { prompt: q.prompt } : {}),
  });
  const config = (
    await pool().query<ConfigRefInfo>(`SELECT id, name, version FROM partition_configs WHERE id = $1`, [scope.configId])
  ).rows[0]!;
  return { scope, config };
}

async function userIdsOf(externalIds: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await pool().query<{ id: number; external_id: string }>(
    `SELECT id, external_id FROM users WHERE external_id = ANY($1::text[])`,
    [externalIds],
  );
  return new Map(rows.map((r) => [r.external_id, r.id]));
}

async function requireUserId(externalId: string): Promise<number> {
  const id = (await userIdsOf([externalId])).get(externalId);
  if (id === undefined) throw notFound("User");
  return id;
}

/**
 * Partition rows of some users at asOf; for a builtin version, summaries without a vector
 * under it are encoded first (deterministic, no cost; the vectors are stored for next time).
 */
async function rowsAt(
  ctx: FeatureContext,
  userIds: readonly number[],
  withTexts = false,
): Promise<PartitionFeatureRow[]> {
  const read = () =>
    partitionFeatureRows({
      userIds,
      configId: ctx.scope.configId,
      promptVersionId: ctx.scope.promptVersionId,
      encoderVersionId: ctx.encoder?.id ?? null,
      asOf: ctx.asOf,
      withTexts,
    });
  const rows = await read();
  if (ctx.encoder?.kind === "builtin" && rows.some((r) => r.summaryId !== null && r.summary === null)) {
    await encodeMissing(ctx.encoder, { scope: ctx.scope, userIds, before: ctx.asOf });
    return read();
  }
  return rows;
}

interface UserFused {
  partitions: FeaturePartition<Float32Array>[];
  fused: Float32Array;
  reason: { code: EmptyReason; message: string } | null;
  missing: { withoutSummary: number; withoutVector: number };
}

/** Why a user's answer is empty (null when there is something to fuse). */
function emptyReason(
  ctx: FeatureContext,
  rows: number,
  withoutSummary: number,
  usable: number,
): { code: EmptyReason; message: string } | null {
  if (rows === 0)
    return {
      code: "no_sealed_partitions",
      message: `No partition of this user was sealed before ${ctx.asOf.toISOString()}.`,
    };
  if (withoutSummary === rows)
    return {
      code: "no_summaries",
      message: `None of the ${rows} partitions sealed before asOf has a successful summary under this prompt version; run the cascade (liber summarise).`,
    };
  if (!ctx.encoder)
    return {
      code: "no_encoder",
      message: `No builtin encoder version was fitted on data sealed before ${ctx.asOf.toISOString()} only. Fit one: liber encode --refit --as-of <asOf>, or POST /api/uif/encoders { "action": "fit", "asOf": ... }.`,
    };
  if (usable === 0)
    return {
      code: "no_vectors",
      message: `No partition has a vector under encoder version ${ctx.encoder.version}; encode them: liber encode --encoder ${ctx.encoder.kind}.`,
    };
  return null;
}

function fuseUser(ctx: FeatureContext, rows: readonly PartitionFeatureRow[]): UserFused {
  const dims = ctx.encoder?.dims ?? 0;
  const usable = rows.filter((r) => r.summary !== null);
  const withoutSummary = rows.filter((r) => r.summaryId === null).length;
  const missing = { withoutSummary, withoutVector: rows.length - withoutSummary - usable.length };
  const reason = emptyReason(ctx, rows.length, withoutSummary, usable.length);
  if (reason) return { partitions: [], fused: new Float32Array(dims), reason, missing };
  const inputs: FusionInput[] = usable.map((r) => ({
    summary: r.summary!,
    shift: r.shift,
    sealedAtMs: r.sealedAt.getTime(),
  }));
  const result = fuse(inputs, ctx.asOf.getTime(), ctx.fusion.params, dims);
  return {
    fused: result.fused,
    reason: null,
    missing,
    partitions: usable.map((r, i) => ({
      seq: r.seq,
      startTs: r.startTs.toISOString(),
      endTs: r.endTs.toISOString(),
      sealedAt: r.sealedAt.toISOString(),
      count: r.count,
      summaryId: r.summaryId!,
      inputHash: r.inputHash!,
      ageDays: result.ageDays[i]!,
      weight: result.weights[i]!,
      summary: r.summary!,
      shift: r.shift,
    })),
  };
}

/**
 * GET /api/users/{id}/features as an object (the route sends `userFeaturesJson`, the same
 * answer as text; this parses it, so both paths are one).
 */
export async function getUserFeatures(
  externalId: string,
  q: FeatureQuery,
  overrides?: EncoderOverrides,
): Promise<UserFeatures>;
export async function getUserFeatures(
  externalId: string,
  q: FeatureQuery & { vectors: "json" | "base64" },
  overrides?: EncoderOverrides,
): Promise<UserFeatures<WireVector>>;
export async function getUserFeatures(
  externalId: string,
  q: FeatureQuery & { vectors: "none" },
  overrides?: EncoderOverrides,
): Promise<UserFeatures<number[], null>>;
export async function getUserFeatures(
  externalId: string,
  q: FeatureQuery & { vectors?: VectorEncoding; limit?: number },
  overrides: EncoderOverrides = {},
): Promise<UserFeatures<WireVector, WireVector | null>> {
  return JSON.parse(await userFeaturesJson(externalId, q, overrides)) as UserFeatures<WireVector, WireVector | null>;
}

/** A user's feature rows: from the per-process cache when its signature still matches (feature-cache.ts). */
async function featureSetOf(ctx: FeatureContext, userId: number): Promise<CachedFeatureSet> {
  const ref = {
    userId,
    configId: ctx.scope.configId,
    promptVersionId: ctx.scope.promptVersionId,
    encoderVersionId: ctx.encoder?.id ?? null,
  };
  const readAll = (asOf: Date | null) => partitionFeatureRows({ userIds: [userId], ...ref, asOf });
  // Cache off: the as-of-bounded read (nothing sealed at or after asOf is even read).
  if (featureCacheBudget() === 0) return newFeatureSet("", await readAll(ctx.asOf));
  const signature = await featureRowsSignature(ref); // before the rows: a change in between only makes the entry stale
  const key = featureCacheKey({ db: databaseUrl() ?? "", ...ref });
  const hit = getFeatureSet(key, signature);
  if (hit) return hit;
  const set = newFeatureSet(signature, await readAll(null));
  putFeatureSet(key, set);
  return set;
}

/** A row as seen at asOf: a vector counts only when its own seal time is before asOf too (as the SQL filter had it). */
interface RowAt {
  index: number;
  row: PartitionFeatureRow;
  summary: Float32Array | null;
  shift: Float32Array | null;
}

function rowsAtAsOf(set: CachedFeatureSet, asOf: Date): RowAt[] {
  const t = asOf.getTime();
  const out: RowAt[] = [];
  set.rows.forEach((row, index) => {
    if (!(row.sealedAt.getTime() < t)) return;
    const summary = row.summary && row.summarySealedMs !== null && row.summarySealedMs < t ? row.summary : null;
    const shift = row.shift && row.shiftSealedMs !== null && row.shiftSealedMs < t ? row.shift : null;
    out.push({ index, row, summary, shift });
  });
  return out;
}

const DAY_MS = 86_400_000;
const jsonVector = (v: Float32Array) => JSON.stringify(Array.from(v));
const base64Vector = (v: Float32Array) => JSON.stringify(vectorToBase64(v));

/**
 * GET /api/users/{id}/features as JSON text: byte for byte what JSON.stringify of the
 * UserFeatures object gives, built from the cached per-partition pieces (metadata and
 * vector texts do not depend on asOf; the weights and ages are written per request).
 * vectors=none leaves the partition vectors out (null): the fused vector and weights only;
 * limit=P lists only the latest P partitions (`omitted` says how many earlier ones were left out).
 */
export async function userFeaturesJson(
  externalId: string,
  q: FeatureQuery & { vectors?: VectorEncoding; limit?: number },
  overrides: EncoderOverrides = {},
): Promise<string> {
  const [userId, ctx] = await Promise.all([requireUserId(externalId), featureContext(q, overrides)]);
  let set = await featureSetOf(ctx, userId);
  let rows = rowsAtAsOf(set, ctx.asOf);
  if (ctx.encoder?.kind === "builtin" && rows.some((r) => r.row.summaryId !== null && r.summary === null)) {
    await encodeMissing(ctx.encoder, { scope: ctx.scope, userIds: [userId], before: ctx.asOf });
    set = await featureSetOf(ctx, userId);
    rows = rowsAtAsOf(set, ctx.asOf);
  }
  const encoding = q.vectors ?? "json";
  const dims = ctx.encoder?.dims ?? 0;
  const usable = rows.filter((r) => r.summary !== null);
  const withoutSummary = rows.filter((r) => r.row.summaryId === null).length;
  const missing = { withoutSummary, withoutVector: rows.length - withoutSummary - usable.length };
  const reason = emptyReason(ctx, rows.length, withoutSummary, usable.length);
  let fused: Float32Array = new Float32Array(dims);
  let parts: string[] = [];
  // limit=P: only the latest P partitions are listed (fused and weights still over all of them).
  const omitted = q.limit !== undefined ? Math.max(0, usable.length - q.limit) : 0;
  if (!reason) {
    const params = ctx.fusion.params;
    const cached = partitionVectorsOf(set, params.shiftWeight);
    const sealedMs = usable.map((r) => r.row.sealedAt.getTime());
    const fusionKey = `${ctx.fusion.version}|${usable.map((r) => (r.shift === r.row.shift ? r.index : `${r.index}-`)).join(",")}`;
    let fusion = set.fusions.get(fusionKey);
    if (!fusion) {
      if (set.fusions.size >= 8) set.fusions.clear();
      const vectors = usable.map((r) =>
        r.shift === r.row.shift
          ? cached[r.index]!
          : partitionVector({ summary: r.summary!, shift: r.shift, sealedAtMs: 0 }, params.shiftWeight),
      );
      const computed = fusePartitionVectors(vectors, sealedMs, ctx.asOf.getTime(), params, dims);
      set.fusions.set(fusionKey, (fusion = { fused: computed.fused, weights: computed.weights }));
    }
    const asOfMs = ctx.asOf.getTime();
    const result = {
      fused: fusion.fused,
      weights: fusion.weights,
      ageDays: sealedMs.map((t) => Math.max(0, (asOfMs - t) / DAY_MS)),
    };
    fused = result.fused;
    parts = usable.slice(omitted).map((r, j) => {
      const i = j + omitted;
      const meta = wireText(set, "meta", r.index, () => partitionMeta(r.row));
      const tail = `,"ageDays":${JSON.stringify(result.ageDays[i])},"weight":${JSON.stringify(result.weights[i])}`;
      if (encoding === "none") return `${meta}${tail},"summary":null,"shift":null}`;
      const write = encoding === "base64" ? base64Vector : jsonVector;
      const summary = wireText(set, `summary:${encoding}`, r.index, () => write(r.summary!));
      const shift = r.shift ? wireText(set, `shift:${encoding}`, r.index, () => write(r.shift!)) : "null";
      return `${meta}${tail},"summary":${summary},"shift":${shift}}`;
    });
  }
  const head = JSON.stringify({
    user: externalId,
    asOf: ctx.asOf.toISOString(),
    config: ctx.config,
    prompt: ctx.scope.prompt,
    encoder: ctx.encoder ? encoderRef(ctx.encoder) : null,
    fusion: fusionInfo(ctx.fusion),
    dims,
    vectors: encoding,
  });
  const fusedText = encoding === "base64" ? base64Vector(fused) : jsonVector(fused);
  const tail = q.limit !== undefined ? `,"omitted":${omitted}` : "";
  return `${head.slice(0, -1)},"fused":${fusedText},"partitions":[${parts.join(",")}],"reason":${JSON.stringify(reason)},"missing":${JSON.stringify(missing)}${tail}}`;
}

/** The asOf-independent start of a partition's JSON object (without the closing brace). */
function partitionMeta(r: PartitionFeatureRow): string {
  const text = JSON.stringify({
    seq: r.seq,
    startTs: r.startTs.toISOString(),
    endTs: r.endTs.toISOString(),
    sealedAt: r.sealedAt.toISOString(),
    count: r.count,
    summaryId: r.summaryId,
    inputHash: r.inputHash,
  });
  return text.slice(0, -1);
}

// ---------------------------------------------------------------------------------------
// The user's vectors (heatmap, drift, weights)

export async function getUserVectors(
  externalId: string,
  q: FeatureQuery & { top: number; offset?: number; limit: number },
  overrides: EncoderOverrides = {},
): Promise<UserVectors> {
  const userId = await requireUserId(externalId);
  const ctx = await featureContext(q, overrides);
  const rows = await rowsAt(ctx, [userId], true);
  const fusedUser = fuseUser(ctx, rows);
  const usable = rows.filter((r) => r.summary !== null);
  const base = {
    user: externalId,
    asOf: ctx.asOf.toISOString(),
    encoder: ctx.encoder ? encoderRef(ctx.encoder) : null,
    fusion: fusionInfo(ctx.fusion),
  };
  if (fusedUser.reason) return { ...base, dimensions: [], columns: [], offset: 0, total: 0, reason: fusedUser.reason };
  const vectors = usable.map((r) =>
    partitionVector({ summary: r.summary!, shift: r.shift, sealedAtMs: 0 }, ctx.fusion.params.shiftWeight),
  );
  const dimensions = topVarianceDimensions(vectors, q.top);
  const xy = pca2d(vectors);
  const drift = driftCurve(vectors);
  const total = usable.length;
  const offset = Math.min(q.offset ?? Math.max(0, total - q.limit), Math.max(0, total - 1));
  const columns: VectorColumn[] = [];
  for (let i = offset; i < Math.min(total, offset + q.limit); i++) {
    const r = usable[i]!;
    columns.push({
      seq: r.seq,
      startTs: r.startTs.toISOString(),
      endTs: r.endTs.toISOString(),
      sealedAt: r.sealedAt.toISOString(),
      count: r.count,
      summary: r.summaryText,
      shift: r.shiftText,
      values: dimensions.map((d) => vectors[i]![d]!),
      xy: xy[i]!,
      drift: drift[i]!,
      weight: fusedUser.partitions[i]!.weight,
    });
  }
  return { ...base, dimensions, columns, offset, total, reason: null };
}

// ---------------------------------------------------------------------------------------
// Population (fused vectors of every user now), cached per process by a data signature

interface Population {
  key: string;
  userIds: number[];
  users: string[];
  partitions: number[];
  fused: Float32Array[];
  /** The PCA map, computed once per population (6,000 x 256 takes a moment). */
  pca?: Point2[];
  /** Colour values per attribute, read once per population. */
  colours: Map<PopulationColor, Map<number, { color: string | number | null; events: number }>>;
}

const USERS_PER_READ = 1000;
const globalRef = globalThis as unknown as {
  __liberUifPopulation?: Map<string, Population>;
  __liberUifUmap?: Map<string, Promise<void>>;
};
const populationCache = (globalRef.__liberUifPopulation ??= new Map());
const umapRuns = (globalRef.__liberUifUmap ??= new Map());

async function vectorSignature(ctx: FeatureContext): Promise<string> {
  const { rows } = await pool().query<{ n: number; max: number | null; p: number; pmax: number | null }>(
    `SELECT (SELECT count(*)::int FROM uif_partition_vectors WHERE encoder_version_id = $1 AND config_id = $2 AND prompt_version_id = $3) AS n,
            (SELECT max(id) FROM uif_partition_vectors WHERE encoder_version_id = $1) AS max,
            (SELECT count(*)::int FROM partitions WHERE config_id = $2) AS p,
            (SELECT max(id) FROM partitions WHERE config_id = $2) AS pmax`,
    [ctx.encoder!.id, ctx.scope.configId, ctx.scope.promptVersionId],
  );
  const r = rows[0]!;
  return `${r.n}/${r.max ?? 0}/${r.p}/${r.pmax ?? 0}`;
}

/** Every user with at least one vector: fused at the current time. */
async function population(ctx: FeatureContext): Promise<Population> {
  const signature = await vectorSignature(ctx);
  const key = `${ctx.encoder!.id}|${ctx.fusion.version}|${ctx.scope.configId}|${ctx.scope.promptVersionId}|${signature}`;
  const cached = populationCache.get(key);
  if (cached) return cached;
  const { rows: users } = await pool().query<{ id: number; external_id: string }>(
    `SELECT u.id, u.external_id FROM users u WHERE EXISTS (
       SELECT 1 FROM uif_partition_vectors v WHERE v.user_id = u.id AND v.encoder_version_id = $1 AND v.config_id = $2 AND v.prompt_version_id = $3)
     ORDER BY u.external_id`,
    [ctx.encoder!.id, ctx.scope.configId, ctx.scope.promptVersionId],
  );
  const out: Population = { key, userIds: [], users: [], partitions: [], fused: [], colours: new Map() };
  for (let i = 0; i < users.length; i += USERS_PER_READ) {
    const chunk = users.slice(i, i + USERS_PER_READ);
    const rows = await partitionFeatureRows({
      userIds: chunk.map((u) => u.id),
      configId: ctx.scope.configId,
      promptVersionId: ctx.scope.promptVersionId,
      encoderVersionId: ctx.encoder!.id,
      asOf: ctx.asOf,
    });
    const byUser = groupByUser(rows);
    for (const u of chunk) {
      const f = fuseUser(ctx, byUser.get(u.id) ?? []);
      if (f.reason) continue;
      out.userIds.push(u.id);
      out.users.push(u.external_id);
      out.partitions.push(f.partitions.length);
      out.fused.push(f.fused);
    }
  }
  populationCache.clear(); // one population per process is enough; the key changes with the data
  populationCache.set(key, out);
  return out;
}

function groupByUser(rows: readonly PartitionFeatureRow[]): Map<number, PartitionFeatureRow[]> {
  const byUser = new Map<number, PartitionFeatureRow[]>();
  for (const r of rows) {
    let list = byUser.get(r.userId);
    if (!list) byUser.set(r.userId, (list = []));
    list.push(r);
  }
  return byUser;
}

async function populationContext(q: Omit<FeatureQuery, "asOf">, overrides: EncoderOverrides): Promise<FeatureContext> {
  return featureContext({ ...q, asOf: new Date() }, overrides);
}

const noEncoderReason = {
  code: "no_encoder" as const,
  message: 'No encoder version with vectors yet: run `liber encode` (or POST /api/uif/encoders { action: "encode" }).',
};

export async function getNeighbours(
  externalId: string,
  q: Omit<FeatureQuery, "asOf"> & { k: number },
  overrides: EncoderOverrides = {},
): Promise<NeighboursResponse> {
  await requireUserId(externalId);
  const ctx = await populationContext(q, overrides);
  const base = {
    user: externalId,
    encoder: ctx.encoder ? encoderRef(ctx.encoder) : null,
    fusion: fusionInfo(ctx.fusion),
  };
  if (!ctx.encoder) return { ...base, neighbours: [], reason: noEncoderReason };
  const pop = await population(ctx);
  const index = pop.users.indexOf(externalId);
  if (index < 0)
    return {
      ...base,
      neighbours: [],
      reason: { code: "no_vectors", message: "This user has no partition vector under the encoder version yet." },
    };
  const hits = kNearest(pop.fused[index]!, pop.fused, q.k, index);
  return {
    ...base,
    neighbours: hits.map((h) => ({
      user: pop.users[h.index]!,
      similarity: h.similarity,
      partitions: pop.partitions[h.index]!,
    })),
    reason: null,
  };
}

async function colours(
  userIds: readonly number[],
  color: PopulationColor,
  configId: number,
): Promise<Map<number, { color: string | number | null; events: number }>> {
  const { rows } = await pool().query<{
    id: number;
    events: number;
    attributes: Record<string, unknown> | null;
    dominant: string | null;
  }>(
    `SELECT u.id, u.event_count AS events, u.attributes,
       ${
         color === "dominantCategory"
           ? `(SELECT h.key FROM partitions p, jsonb_each_text(p.category_histogram) h
               WHERE p.user_id = u.id AND p.config_id = $2 GROUP BY h.key ORDER BY sum(h.value::float8) DESC, h.key LIMIT 1)`
           : "NULL"
       } AS dominant
     FROM users u WHERE u.id = ANY($1::int[])`,
    color === "dominantCategory" ? [userIds, configId] : [userIds],
  );
  return new Map(
    rows.map((r) => {
      const a = r.attributes ?? {};
      const attr = (k: string) =>
        a[k] === undefined || a[k] === null ? null : typeof a[k] === "number" ? (a[k] as number) : String(a[k]);
      const value =
        color === "dominantCategory"
          ? r.dominant
          : color === "events"
            ? r.events
            : color === "gender"
              ? attr("gender")
              : color === "age"
                ? (attr("ageGroup") ?? attr("age"))
                : color === "occupation"
                  ? attr("occupation")
                  : null;
      return [r.id, { color: value, events: r.events }];
    }),
  );
}

/** GET /api/uif/population */
export async function getPopulation(
  q: Omit<FeatureQuery, "asOf"> & { projection: ProjectionMethod; color: PopulationColor },
  overrides: EncoderOverrides = {},
): Promise<PopulationResponse> {
  const ctx = await populationContext(q, overrides);
  const base = {
    color: q.color,
    encoder: ctx.encoder ? encoderRef(ctx.encoder) : null,
    fusion: fusionInfo(ctx.fusion),
  };
  const now = new Date().toISOString();
  if (!ctx.encoder)
    return {
      ...base,
      projection: q.projection,
      pending: false,
      points: [],
      cached: false,
      computedAt: now,
      reason: noEncoderReason,
    };
  const pop = await population(ctx);
  if (pop.users.length === 0) {
    return {
      ...base,
      projection: q.projection,
      pending: false,
      points: [],
      cached: false,
      computedAt: now,
      reason: { code: "no_vectors", message: "No user has a partition vector yet: run `liber encode`." },
    };
  }
  let xy: Point2[];
  let projection = q.projection;
  let cached = false;
  let pending = false;
  let computedAt = now;
  if (q.projection === "umap") {
    const hit = await cachedUmap(ctx, pop);
    if (hit) {
      xy = hit.points;
      cached = true;
      computedAt = hit.computedAt.toISOString();
    } else {
      void startUmap(ctx, pop);
      pending = true;
      projection = "pca";
      xy = pop.pca ??= pca2d(pop.fused);
    }
  } else {
    xy = pop.pca ??= pca2d(pop.fused);
  }
  let colourOf = pop.colours.get(q.color);
  if (!colourOf) pop.colours.set(q.color, (colourOf = await colours(pop.userIds, q.color, ctx.scope.configId)));
  const points: PopulationPoint[] = pop.users.map((user, i) => {
    const c = colourOf.get(pop.userIds[i]!);
    return {
      user,
      x: xy[i]![0],
      y: xy[i]![1],
      partitions: pop.partitions[i]!,
      events: c?.events ?? 0,
      color: q.color === "partitions" ? pop.partitions[i]! : (c?.color ?? null),
    };
  });
  return { ...base, projection, pending, points, cached, computedAt, reason: null };
}

function umapKey(ctx: FeatureContext, pop: Population): { key: string; userSetHash: string } {
  const userSetHash = contentHash({ users: pop.users, data: pop.key });
  return { key: `umap|${ctx.encoder!.id}|${ctx.fusion.version}|${userSetHash}`, userSetHash };
}

async function cachedUmap(
  ctx: FeatureContext,
  pop: Population,
): Promise<{ points: Point2[]; computedAt: Date } | null> {
  const { key } = umapKey(ctx, pop);
  const { rows } = await pool().query<{ points: { user: string; x: number; y: number }[]; computed_at: Date }>(
    `SELECT points, computed_at FROM uif_projections WHERE key = $1`,
    [key],
  );
  if (!rows[0]) return null;
  const byUser = new Map(rows[0].points.map((p) => [p.user, [p.x, p.y] as Point2]));
  return { points: pop.users.map((u) => byUser.get(u) ?? [0, 0]), computedAt: rows[0].computed_at };
}

/** Computes the UMAP off the request path (one run per key per process) and stores it. */
export function startUmap(ctx: FeatureContext, pop: Population): Promise<void> {
  const { key, userSetHash } = umapKey(ctx, pop);
  let run = umapRuns.get(key);
  if (!run) {
    run = (async () => {
      const xy = await umap2dYielding(pop.fused, { seed: 42 });
      await pool().query(
        `INSERT INTO uif_projections (key, method, encoder_version_id, fusion_version, user_set_hash, points)
         VALUES ($1, 'umap', $2, $3, $4, $5) ON CONFLICT (key) DO UPDATE SET points = EXCLUDED.points, computed_at = now()`,
        [
          key,
          ctx.encoder!.id,
          ctx.fusion.version,
          userSetHash,
          JSON.stringify(pop.users.map((user, i) => ({ user, x: xy[i]![0], y: xy[i]![1] }))),
        ],
      );
    })()
      .catch((err) => console.error("[uif] UMAP projection failed:", err instanceof Error ? err.message : err))
      .finally(() => umapRuns.delete(key));
    umapRuns.set(key, run);
  }
  return run;
}

/** Demo seeding and `liber encode`: compute the population UMAP now so the map opens at once. */
export async function precomputeUmap(overrides: EncoderOverrides = {}): Promise<boolean> {
  const ctx = await populationContext({}, overrides);
  if (!ctx.encoder) return false;
  const pop = await population(ctx);
  if (pop.users.length === 0) return false;
  if (await cachedUmap(ctx, pop)) return true;
  await startUmap(ctx, pop);
  return true;
}

// ---------------------------------------------------------------------------------------
// Export

export interface ExportPlan {
  ctx: FeatureContext;
  dims: number;
  users: { id: number; externalId: string }[];
}

/** The users (requested ones in their order, else every user with a partition by external id) and the context. */
export async function planExport(
  q: FeatureQuery & { users?: readonly string[] },
  overrides: EncoderOverrides = {},
): Promise<ExportPlan> {
  const ctx = await featureContext(q, overrides);
  if (!ctx.encoder) throw unprocessable(noEncoderAt(ctx.asOf));
  let users: { id: number; externalId: string }[];
  if (q.users && q.users.length > 0) {
    const ids = await userIdsOf(q.users);
    const unknown = q.users.filter((u) => !ids.has(u));
    if (unknown.length > 0)
      throw notFound(
        `User${unknown.length > 1 ? "s" : ""} ${unknown.slice(0, 5).join(", ")}${unknown.length > 5 ? "…" : ""}`,
      );
    users = q.users.map((u) => ({ id: ids.get(u)!, externalId: u }));
  } else {
    const { rows } = await pool().query<{ id: number; external_id: string }>(
      `SELECT u.id, u.external_id FROM users u WHERE EXISTS (SELECT 1 FROM partitions p WHERE p.user_id = u.id AND p.config_id = $1) ORDER BY u.external_id`,
      [ctx.scope.configId],
    );
    users = rows.map((r) => ({ id: r.id, externalId: r.external_id }));
  }
  return { ctx, dims: ctx.encoder.dims, users };
}

function noEncoderAt(asOf: Date): string {
  return `No builtin encoder version was fitted on data sealed before ${asOf.toISOString()} only; fit one with \`liber encode --refit --as-of ${asOf.toISOString()}\`.`;
}

const EXPORT_USERS_PER_BATCH = 500;

/** Export rows batch by batch (the features of each user at asOf). */
export async function* exportRows(plan: ExportPlan): AsyncGenerator<ExportRow[]> {
  const { ctx } = plan;
  for (let i = 0; i < plan.users.length; i += EXPORT_USERS_PER_BATCH) {
    const chunk = plan.users.slice(i, i + EXPORT_USERS_PER_BATCH);
    const byUser = groupByUser(
      await rowsAt(
        ctx,
        chunk.map((u) => u.id),
      ),
    );
    yield chunk.map((u) => {
      const f = fuseUser(ctx, byUser.get(u.id) ?? []);
      return {
        user: u.externalId,
        asOf: ctx.asOf.toISOString(),
        partitions: f.partitions.length,
        configId: ctx.scope.configId,
        promptVersionId: ctx.scope.promptVersionId,
        encoderVersion: ctx.encoder!.version,
        fusionVersion: ctx.fusion.version,
        fused: f.fused,
        weights: f.partitions.map((p) => ({ seq: p.seq, weight: p.weight })),
      };
    });
  }
}

/** The export as byte chunks: csv, jsonl and npy stream batch by batch; parquet is written whole (columnar). */
export async function* exportChunks(plan: ExportPlan, format: ExportFormat): AsyncGenerator<Uint8Array> {
  const enc = new TextEncoder();
  if (format === "parquet") {
    const all: ExportRow[] = [];
    for await (const rows of exportRows(plan)) all.push(...rows);
    yield parquetFile(all, plan.dims);
    return;
  }
  if (format === "csv") yield enc.encode(csvHeader(plan.dims));
  if (format === "npy") yield npyHeader(plan.users.length, plan.dims);
  for await (const rows of exportRows(plan)) {
    if (format === "csv") yield enc.encode(csvRows(rows, plan.dims));
    else if (format === "jsonl") yield enc.encode(jsonlRows(rows, plan.dims));
    else yield npyRows(rows, plan.dims);
  }
}
