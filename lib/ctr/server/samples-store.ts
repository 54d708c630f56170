/**
 * Loads CTR samples from PostgreSQL: the behaviour log, item categories, and the UIF
 * partition vectors (table uif_partition_vectors, issue 11) of the chosen partition config,
 * prompt version and encoder version. The pure part (labels, splits, histories, as-of
 * partitions, vocabularies) is lib/ctr/samples.ts.
 *
 * Leakage rule for the encoder: a fitted encoder (UIF's builtin TF-IDF) must have been fitted
 * only on texts of partitions sealed before the validation cutoff (fitted_until <= cutoff),
 * or the IDF would carry information from the validation and test periods. Without an
 * explicit encoder the newest such version with vectors is taken; an explicit one that was
 * fitted later is refused unless `allowLateEncoder` is set (then the result says so).
 */
import { pool } from "../../db/client";
import { resolveConfigId } from "../../partitions/configs";
import { getLabelledPrompt } from "../../summaries/prompts";
import { encodeMissing, fitBuiltinVersion, resolveScope } from "../../uif/encoding";
import { getEncoderVersion } from "../../uif/store";
import {
  buildSamples,
  partitionDonors,
  sampleCutoffs,
  withBlankPartitions,
  withDonorPartitions,
  DEFAULT_LABEL_RULE,
  type LabelRule,
  type LogEvent,
  type PartitionVectorRef,
} from "../samples";
import type { CtrEncoderFit, CtrEncoderRef, CtrEncoderStatus } from "../contract";
import type { CtrDataset, CtrShape } from "../schema";

export interface LoadSamplesOptions {
  /** partition config reference (id, name@version, label); default "active" */
  config?: string | number;
  /** prompt version id; default the production label */
  promptVersionId?: number;
  /** UIF encoder version id; default: the newest builtin version fitted before the cutoff */
  encoderVersionId?: number;
  allowLateEncoder?: boolean;
  labelRule?: LabelRule;
  shape?: Partial<CtrShape>;
  splits?: [number, number];
  /** only behaviours in [from, to) */
  from?: Date;
  to?: Date;
  /** only these users (external ids) */
  users?: string[];
  /**
   * Fit (or reuse, it is stored by content) a builtin encoder version on the summaries of
   * partitions sealed strictly before the validation cutoff, encode every summary under it,
   * and use it. The leak-free default for an evaluation; stored so that it is auditable.
   */
  fitEncoder?: boolean;
  /** "summary" (default) or "summary+shift": the shift text's vector appended (zeros when none), D doubles */
  vectors?: "summary" | "summary+shift";
  /**
   * also build a control dataset: "shuffled" = every user reads another user's partition
   * vectors (partitionDonors); "blank" = every vector zeroed, slots and ages kept
   */
  control?: "shuffled" | "blank";
  /** seed of the control's user pairing */
  controlSeed?: number;
}

export class CtrDataError extends Error {
  override name = "CtrDataError";
}

export interface LoadedSamples {
  dataset: CtrDataset;
  /** the same samples with partitions read from another user (when `control` was asked) */
  controlDataset?: CtrDataset;
  provenance: {
    configId: number;
    promptVersionId: number;
    encoder: { id: number; kind: string; version: string; dims: number; fittedUntil: string | null } | null;
    encoderFittedAfterCutoff: boolean;
    /** what --fit-encoder did: the version fitted (or found) as of the cutoff, texts encoded */
    encoderFit: CtrEncoderFit | null;
    vectors: "summary" | "summary+shift";
    events: number;
    partitionVectors: number;
    loadSeconds: number;
  };
}

/** The part of the options that decides the samples' events and hence the validation cutoff. */
export type CutoffOptions = Pick<
  LoadSamplesOptions,
  "config" | "promptVersionId" | "labelRule" | "splits" | "from" | "to" | "users"
>;

interface LoadedEvents {
  configId: number;
  promptVersionId: number;
  rule: LabelRule;
  splits: [number, number];
  userIds: number[] | null;
  events: LogEvent[];
  /** the validation cutoff (ms): samples at or after it are validation or test */
  validFrom: number;
}

async function loadEvents(options: CutoffOptions): Promise<LoadedEvents> {
  const q = pool();
  const configId = await resolveConfigId(options.config ?? "active");
  if (configId === null) throw new CtrDataError(`no partition config "${options.config ?? "active"}"`);
  const promptVersionId = options.promptVersionId ?? (await getLabelledPrompt())?.id;
  if (!promptVersionId) throw new CtrDataError("no production prompt version");
  const rule = options.labelRule ?? DEFAULT_LABEL_RULE;
  const splits = options.splits ?? [0.8, 0.9];

  const userIds = options.users?.length
    ? (
        await q.query<{ id: number }>(`SELECT id FROM users WHERE external_id = ANY($1::text[])`, [options.users])
      ).rows.map((r) => r.id)
    : null;
  const { rows: eventRows } = await q.query<{
    user_id: number;
    item_id: number;
    ts: Date;
    kind: string;
    value: number | null;
  }>(
    `SELECT user_id, item_id, ts, kind, value FROM behaviors
     WHERE ($1::int[] IS NULL OR user_id = ANY($1::int[]))
       AND ($2::timestamptz IS NULL OR ts >= $2) AND ($3::timestamptz IS NULL OR ts < $3)
     ORDER BY user_id, ts, id`,
    [userIds, options.from ?? null, options.to ?? null],
  );
  const events: LogEvent[] = eventRows.map((r) => ({
    userId: r.user_id,
    itemId: r.item_id,
    ts: r.ts.getTime(),
    kind: r.kind,
    value: r.value,
  }));
  if (events.length === 0) throw new CtrDataError("no behaviours in the chosen range");
  const { validFrom } = sampleCutoffs(events, rule, splits);
  return { configId, promptVersionId, rule, splits, userIds, events, validFrom };
}

/**
 * Fits (or reuses: versions are stored by content) a builtin encoder version on the summaries of
 * partitions sealed strictly before `validFrom`, and encodes every summary under it.
 */
async function fitEncoderAsOf(
  configId: number,
  promptVersionId: number,
  validFrom: number,
  createdBy: string,
): Promise<CtrEncoderFit> {
  if (!Number.isFinite(validFrom)) throw new CtrDataError("no validation cutoff to fit the encoder at");
  const scope = await resolveScope({ config: configId, prompt: promptVersionId });
  const fit = await fitBuiltinVersion({ scope, asOf: new Date(validFrom), createdBy });
  const row = await getEncoderVersion(fit.encoder.id);
  if (!row) throw new CtrDataError(`encoder version ${fit.encoder.id} vanished`);
  const encoded = await encodeMissing(row, { scope, createdBy });
  return {
    id: row.id,
    created: fit.created,
    fittedUntil: new Date(validFrom).toISOString(),
    encoded: encoded.encoded + encoded.reused,
  };
}

const encoderRef = (e: EncoderRow): CtrEncoderRef => ({
  id: e.id,
  kind: e.kind,
  version: e.version,
  dims: e.dims,
  fittedUntil: e.fitted_until?.toISOString() ?? null,
});

/**
 * Which encoder the samples of these settings would read (the CTR Lab asks before training):
 * the leak-free one (fitted_until <= validation cutoff, with vectors) if any, and the newest
 * later one that `allowLateEncoder` would fall back to.
 */
export async function ctrEncoderStatus(options: CutoffOptions = {}): Promise<CtrEncoderStatus> {
  const { configId, promptVersionId, validFrom } = await loadEvents(options);
  const leakFree = await chooseEncoder(configId, promptVersionId, validFrom, {});
  const newest = leakFree
    ? null
    : await chooseEncoder(configId, promptVersionId, validFrom, { allowLateEncoder: true });
  return {
    configId,
    promptVersionId,
    validFrom: Number.isFinite(validFrom) ? new Date(validFrom).toISOString() : null,
    leakFree: leakFree ? encoderRef(leakFree) : null,
    late: newest ? encoderRef(newest) : null,
  };
}

/**
 * Fits (or reuses) the builtin encoder as of the validation cutoff of these settings, encodes
 * every summary under it (what `liber ctr-eval --fit-encoder` does), and returns the new status:
 * the samples of the same settings then read it without `allowLateEncoder`.
 */
export async function fitCtrEncoder(
  options: CutoffOptions,
  createdBy: string,
): Promise<{ fit: CtrEncoderFit; status: CtrEncoderStatus }> {
  const { configId, promptVersionId, validFrom } = await loadEvents(options);
  const fit = await fitEncoderAsOf(configId, promptVersionId, validFrom, createdBy);
  return { fit, status: await ctrEncoderStatus(options) };
}

export async function loadCtrSamples(options: LoadSamplesOptions = {}): Promise<LoadedSamples> {
  const started = performance.now();
  const q = pool();
  const { configId, promptVersionId, rule, splits, userIds, events, validFrom } = await loadEvents(options);

  const { rows: itemRows } = await q.query<{ id: number; categories: string[] }>(
    `SELECT id, categories FROM items WHERE id IN (SELECT DISTINCT item_id FROM behaviors WHERE ($1::int[] IS NULL OR user_id = ANY($1::int[])))`,
    [userIds],
  );
  const itemCategories = new Map(itemRows.map((r) => [r.id, r.categories]));

  let encoderFit: LoadedSamples["provenance"]["encoderFit"] = null;
  let encoderVersionId = options.encoderVersionId;
  if (options.fitEncoder) {
    if (encoderVersionId !== undefined) throw new CtrDataError("fitEncoder and an explicit encoder exclude each other");
    encoderFit = await fitEncoderAsOf(configId, promptVersionId, validFrom, "ctr-eval");
    encoderVersionId = encoderFit.id;
  }
  const vectorsKind = options.vectors ?? "summary";
  const encoder = await chooseEncoder(configId, promptVersionId, validFrom, { ...options, encoderVersionId });
  const partitions = encoder
    ? await loadPartitionVectors(configId, promptVersionId, encoder.id, userIds, vectorsKind === "summary+shift")
    : [];
  const sampleOptions = { labelRule: rule, shape: options.shape, splits };
  const dataset = buildSamples(events, itemCategories, partitions, sampleOptions);
  const controlDataset =
    options.control === "shuffled"
      ? withDonorPartitions(dataset, partitions, partitionDonors(partitions, options.controlSeed ?? 12345))
      : options.control === "blank"
        ? withBlankPartitions(dataset)
        : undefined;
  const fittedAfter = !!encoder?.fitted_until && encoder.fitted_until.getTime() > validFrom;
  dataset.meta = {
    ...dataset.meta,
    configId,
    promptVersionId,
    encoder: encoder
      ? { id: encoder.id, version: encoder.version, fittedUntil: encoder.fitted_until?.toISOString() ?? null }
      : null,
    encoderFittedAfterCutoff: fittedAfter,
    vectors: vectorsKind,
  };
  if (controlDataset) controlDataset.meta = { ...dataset.meta, control: controlDataset.meta.control };
  return {
    dataset,
    controlDataset,
    provenance: {
      configId,
      promptVersionId,
      encoder: encoder
        ? {
            id: encoder.id,
            kind: encoder.kind,
            version: encoder.version,
            dims: encoder.dims,
            fittedUntil: encoder.fitted_until?.toISOString() ?? null,
          }
        : null,
      encoderFittedAfterCutoff: fittedAfter,
      encoderFit,
      vectors: vectorsKind,
      events: events.length,
      partitionVectors: partitions.length,
      loadSeconds: (performance.now() - started) / 1000,
    },
  };
}

interface EncoderRow {
  id: number;
  kind: string;
  version: string;
  dims: number;
  fitted_until: Date | null;
}

async function chooseEncoder(
  configId: number,
  promptVersionId: number,
  validFrom: number,
  options: LoadSamplesOptions,
): Promise<EncoderRow | null> {
  const q = pool();
  const cutoff = Number.isFinite(validFrom) ? new Date(validFrom) : null;
  if (options.encoderVersionId !== undefined) {
    const { rows } = await q.query<EncoderRow>(
      `SELECT id, kind, version, dims, fitted_until FROM uif_encoder_versions WHERE id = $1`,
      [options.encoderVersionId],
    );
    const row = rows[0];
    if (!row) throw new CtrDataError(`no UIF encoder version ${options.encoderVersionId}`);
    if (cutoff && row.fitted_until && row.fitted_until > cutoff && !options.allowLateEncoder) {
      throw new CtrDataError(
        `encoder version ${row.id} was fitted on texts up to ${row.fitted_until.toISOString()}, after the validation cutoff ` +
          `${cutoff.toISOString()}: its IDF would see the evaluation period. Fit one as of the cutoff, or allow it explicitly.`,
      );
    }
    return row;
  }
  // allowLateEncoder without an explicit encoder: a leak-free version when there is one, else the
  // newest version with vectors (the result then says encoderFittedAfterCutoff).
  const { rows } = await q.query<EncoderRow>(
    `SELECT e.id, e.kind, e.version, e.dims, e.fitted_until FROM uif_encoder_versions e
     WHERE ($4::boolean OR $1::timestamptz IS NULL OR e.fitted_until IS NULL OR e.fitted_until <= $1)
       AND EXISTS (SELECT 1 FROM uif_partition_vectors v
                   WHERE v.encoder_version_id = e.id AND v.config_id = $2 AND v.prompt_version_id = $3)
     ORDER BY ($1::timestamptz IS NULL OR e.fitted_until IS NULL OR e.fitted_until <= $1) DESC,
              (e.kind = 'builtin') DESC, e.fitted_until DESC NULLS LAST, e.id DESC LIMIT 1`,
    [cutoff, configId, promptVersionId, options.allowLateEncoder === true],
  );
  return rows[0] ?? null;
}

/** The partition vectors (summary texts) of a config, prompt and encoder, by (user, sealed_at). */
export async function loadPartitionVectors(
  configId: number,
  promptVersionId: number,
  encoderVersionId: number,
  userIds: number[] | null,
  withShift = false,
): Promise<PartitionVectorRef[]> {
  const { rows } = await pool().query<{
    user_id: number;
    partition_id: number;
    sealed_at_ts: Date;
    vector: Buffer;
    shift: Buffer | null;
  }>(
    `SELECT * FROM (
       SELECT DISTINCT ON (v.user_id, v.seq) v.user_id, p.id AS partition_id, p.sealed_at_ts, v.vector,
              (SELECT s.vector FROM uif_partition_vectors s
                WHERE $5 AND s.encoder_version_id = v.encoder_version_id AND s.summary_id = v.summary_id
                  AND s.text_kind = 'shift' LIMIT 1) AS shift
       FROM uif_partition_vectors v
       JOIN partitions p ON p.user_id = v.user_id AND p.config_id = v.config_id AND p.seq = v.seq
       WHERE v.encoder_version_id = $1 AND v.config_id = $2 AND v.prompt_version_id = $3 AND v.text_kind = 'summary'
         AND ($4::int[] IS NULL OR v.user_id = ANY($4::int[]))
       ORDER BY v.user_id, v.seq, v.summary_created_at DESC) x
     ORDER BY user_id, sealed_at_ts, partition_id`,
    [encoderVersionId, configId, promptVersionId, userIds, withShift],
  );
  // float32 little-endian (UIF's vectorToBytes); copy so the vector owns aligned memory
  const floats = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  return rows.map((r) => {
    const summary = floats(r.vector);
    let vector = summary;
    if (withShift) {
      vector = new Float32Array(2 * summary.length);
      vector.set(summary);
      if (r.shift) vector.set(floats(r.shift), summary.length);
    }
    return { userId: r.user_id, partitionId: r.partition_id, sealedAt: r.sealed_at_ts.getTime(), vector };
  });
}
