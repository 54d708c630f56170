import { safeText } from "../api/nul";
import type { AttemptRecord, InterestSummary, SummariseParams } from "../llm";
import { pool } from "../db/client";
import { currentProcess } from "../db/process-identity";
import type { BehaviorRecord, PartitionRecord } from "./context";

/**
 * Database side of the cascade: reading its inputs, the response cache, and writing traces,
 * summaries and run totals in batches (one transaction per flush, a few statements each),
 * so that a builtin cascade over thousands of partitions is not dominated by round trips.
 */

export type RunKind = "ingest" | "cascade" | "playground" | "bench" | "job";
export type RunStatus = "running" | "succeeded" | "failed" | "interrupted";

// ---------------------------------------------------------------------------------------
// Inputs

export interface UserRecord {
  id: number;
  externalId: string;
  attributes: unknown;
}

export async function loadUsers(userIds: readonly number[]): Promise<Map<number, UserRecord>> {
  const { rows } = await pool().query<{ id: number; external_id: string; attributes: unknown }>(
    `SELECT id, external_id, attributes FROM users WHERE id = ANY($1::int[])`,
    [userIds],
  );
  return new Map(rows.map((r) => [r.id, { id: r.id, externalId: r.external_id, attributes: r.attributes }]));
}

/** Users with at least one sealed partition under the config, in id order. */
export async function usersWithPartitions(configId: number): Promise<number[]> {
  const { rows } = await pool().query<{ user_id: number }>(
    `SELECT DISTINCT user_id FROM partitions WHERE config_id = $1 ORDER BY user_id`,
    [configId],
  );
  return rows.map((r) => r.user_id);
}

/** Sealed partitions per user (seq order), optionally only the first `maxPartitions`. */
export async function loadPartitions(
  configId: number,
  userIds: readonly number[],
  maxPartitions?: number,
): Promise<Map<number, PartitionRecord[]>> {
  // Epoch ms computed by the database (timestamp(3): exact), not parsed into Dates here: a
  // lifelong user's 1,000 partitions cost ~8 ms of date parsing otherwise.
  const { rows } = await pool().query<
    [userId: number, seq: number, contentHash: string, start: number, end: number, count: number]
  >({
    text: `SELECT user_id, seq, content_hash, (extract(epoch FROM start_ts) * 1000)::float8, (extract(epoch FROM end_ts) * 1000)::float8, count
             FROM partitions
            WHERE config_id = $1 AND user_id = ANY($2::int[]) AND ($3::int IS NULL OR seq < $3)
            ORDER BY user_id, seq`,
    values: [configId, userIds, maxPartitions ?? null],
    rowMode: "array",
  });
  const byUser = new Map<number, PartitionRecord[]>();
  for (const [userId, seq, contentHash, startTs, endTs, count] of rows) {
    let list = byUser.get(userId);
    if (!list) byUser.set(userId, (list = []));
    list.push({ seq, contentHash, startTs, endTs, count });
  }
  return byUser;
}

/** The behaviours of some partitions of one user, as item text, oldest first per partition. */
export async function loadPartitionBehaviors(
  configId: number,
  userId: number,
  seqs: readonly number[],
): Promise<Map<number, BehaviorRecord[]>> {
  const bySeq = new Map<number, BehaviorRecord[]>(seqs.map((s) => [s, []]));
  if (seqs.length === 0) return bySeq;
  const { rows } = await pool().query<{
    seq: number;
    ts: Date;
    kind: string;
    value: number | null;
    text: string | null;
    title: string;
    categories: string[];
  }>(
    `WITH m AS (
       SELECT seq, unnest(behavior_ids) AS id FROM partitions WHERE config_id = $1 AND user_id = $2 AND seq = ANY($3::int[])
       UNION ALL
       SELECT (state->>'nextSeq')::int, unnest(open_behavior_ids) FROM partition_states
        WHERE config_id = $1 AND user_id = $2 AND (state->>'nextSeq')::int = ANY($3::int[]))
     SELECT m.seq, b.ts, b.kind, b.value, b.text, i.title, i.categories
     FROM m
     JOIN behaviors b ON b.id = m.id AND b.user_id = $2
     JOIN items i ON i.id = b.item_id
     ORDER BY m.seq, b.ts, b.id`,
    [configId, userId, seqs],
  );
  for (const r of rows) {
    bySeq.get(r.seq)?.push({
      ts: r.ts.getTime(),
      kind: r.kind,
      value: r.value,
      text: r.text,
      title: r.title,
      categories: r.categories,
    });
  }
  return bySeq;
}

export interface StoredSummary {
  id: number;
  userId: number;
  seq: number;
  inputHash: string;
  previousInputHash: string;
  partitionContentHash: string;
  promptVersionId: number;
  status: "ok" | "failed";
  summary: string | null;
  shift: string | null;
  interests: { label: string; weight: number }[];
  provider: string;
  model: string;
  error: string | null;
  llmCallId: number | null;
  createdAt: Date;
  /** From the trace, when there is one. */
  promptTokens: number | null;
  completionTokens: number | null;
  costUsd: number | null;
  cacheHit: boolean;
}

/**
 * Stored summaries of users under a config and prompt version (all statuses, newest first),
 * optionally only those with the given input hashes.
 */
export async function loadSummaries(
  configId: number,
  promptVersionId: number,
  userIds: readonly number[],
  inputHashes?: readonly string[],
  ids?: readonly number[],
): Promise<StoredSummary[]> {
  const { rows } = await pool().query<{
    id: number;
    user_id: number;
    seq: number;
    input_hash: string;
    previous_input_hash: string;
    partition_content_hash: string;
    prompt_version_id: number;
    status: "ok" | "failed";
    summary: string | null;
    shift: string | null;
    interests: { label: string; weight: number }[];
    provider: string;
    model: string;
    error: string | null;
    llm_call_id: number | null;
    created_at: Date;
    prompt_tokens: number | null;
    completion_tokens: number | null;
    cost_usd: number | null;
    cache_hit: boolean | null;
  }>(
    `SELECT s.id, s.user_id, s.seq, s.input_hash, s.previous_input_hash, s.partition_content_hash, s.prompt_version_id,
            s.status, s.summary, s.shift, s.interests, s.provider, s.model, s.error, s.llm_call_id, s.created_at,
            c.prompt_tokens, c.completion_tokens, c.cost_usd, c.cache_hit
     FROM partition_summaries s LEFT JOIN llm_calls c ON c.id = s.llm_call_id
     WHERE s.config_id = $1 AND s.prompt_version_id = $2 AND s.user_id = ANY($3::int[])
       AND ($4::text[] IS NULL OR s.input_hash = ANY($4::text[]))
       AND ($5::int[] IS NULL OR s.id = ANY($5::int[]))
     ORDER BY s.id DESC`,
    [configId, promptVersionId, userIds, inputHashes ?? null, ids ?? null],
  );
  return rows.map((r) => ({
    id: r.id,
    userId: r.user_id,
    seq: r.seq,
    inputHash: r.input_hash,
    previousInputHash: r.previous_input_hash,
    partitionContentHash: r.partition_content_hash,
    promptVersionId: r.prompt_version_id,
    status: r.status,
    summary: r.summary,
    shift: r.shift,
    interests: Array.isArray(r.interests) ? r.interests : [],
    provider: r.provider,
    model: r.model,
    error: r.error,
    llmCallId: r.llm_call_id,
    createdAt: r.created_at,
    promptTokens: r.prompt_tokens,
    completionTokens: r.completion_tokens,
    costUsd: r.cost_usd,
    cacheHit: r.cache_hit ?? false,
  }));
}

/** Input hashes that already have a successful summary, per user (cheap: no text). */
export async function okSummaryHashes(
  configId: number,
  promptVersionId: number,
  userIds: readonly number[],
): Promise<Map<number, Set<string>>> {
  const { rows } = await pool().query<{ user_id: number; input_hash: string }>(
    `SELECT user_id, input_hash FROM partition_summaries
     WHERE config_id = $1 AND prompt_version_id = $2 AND user_id = ANY($3::int[]) AND status = 'ok'`,
    [configId, promptVersionId, userIds],
  );
  const byUser = new Map<number, Set<string>>();
  for (const r of rows) {
    let set = byUser.get(r.user_id);
    if (!set) byUser.set(r.user_id, (set = new Set()));
    set.add(r.input_hash);
  }
  return byUser;
}

// ---------------------------------------------------------------------------------------
// Cache

export interface CachedAnswer {
  response: InterestSummary;
  rawResponse: string;
  promptTokens: number;
  completionTokens: number;
}

export async function lookupCache(key: string): Promise<CachedAnswer | null> {
  const { rows } = await pool().query<{
    response: InterestSummary;
    raw_response: string;
    prompt_tokens: number;
    completion_tokens: number;
  }>(`SELECT response, raw_response, prompt_tokens, completion_tokens FROM llm_cache WHERE key = $1`, [key]);
  const r = rows[0];
  return r
    ? {
        response: r.response,
        rawResponse: r.raw_response,
        promptTokens: r.prompt_tokens,
        completionTokens: r.completion_tokens,
      }
    : null;
}

// ---------------------------------------------------------------------------------------
// Runs

export async function createRun(input: {
  kind: RunKind;
  provider: string;
  model: string;
  configId: number | null;
  promptVersionId: number | null;
  createdBy: string | null;
}): Promise<number> {
  const owner = currentProcess(); // lib/db/stale-runs.ts marks the run interrupted if this process dies
  const { rows } = await pool().query<{ id: number }>(
    `INSERT INTO llm_runs (kind, provider, model, config_id, prompt_version_id, created_by, owner_pid, owner_host, owner_start_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
    [
      input.kind,
      input.provider,
      input.model,
      input.configId,
      input.promptVersionId,
      input.createdBy,
      owner.pid,
      owner.host,
      owner.startId,
    ],
  );
  return rows[0]!.id;
}

export interface RunTotalsRow {
  users: number;
  calls: number;
  cacheHits: number;
  skipped: number;
  failed: number;
  /** Partitions left undone because an earlier partition of the same user failed. */
  blocked: number;
  retries: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

export function emptyTotals(): RunTotalsRow {
  return {
    users: 0,
    calls: 0,
    cacheHits: 0,
    skipped: 0,
    failed: 0,
    blocked: 0,
    retries: 0,
    promptTokens: 0,
    completionTokens: 0,
    costUsd: 0,
  };
}

const TOTALS_SQL = `users = $2, calls = $3, cache_hits = $4, skipped = $5, failed = $6, retries = $7,
  prompt_tokens = $8, completion_tokens = $9, cost_usd = $10, blocked = $11`;
const totalsParams = (t: RunTotalsRow) => [
  t.users,
  t.calls,
  t.cacheHits,
  t.skipped,
  t.failed,
  t.retries,
  t.promptTokens,
  t.completionTokens,
  t.costUsd,
  t.blocked,
];

export async function finishRun(
  runId: number,
  totals: RunTotalsRow,
  status: Exclude<RunStatus, "running">,
  error: string | null,
): Promise<void> {
  await pool().query(
    `UPDATE llm_runs SET ${TOTALS_SQL}, status = $12, error = $13, finished_at = now() WHERE id = $1`,
    [runId, ...totalsParams(totals), status, error],
  );
}

// ---------------------------------------------------------------------------------------
// Batched writes

export interface TraceDraft {
  /** Assigned when written. */
  id?: number;
  runId: number | null;
  userId: number | null;
  configId: number | null;
  seq: number | null;
  promptVersionId: number | null;
  provider: string;
  model: string;
  endpoint: string | null;
  params: SummariseParams;
  cacheKey: string;
  cacheHit: boolean;
  renderedSystem: string;
  renderedUser: string;
  rawResponse: string | null;
  parsed: InterestSummary | null;
  promptTokens: number;
  completionTokens: number;
  tokensEstimated: boolean;
  costUsd: number | null;
  latencyMs: number;
  attempts: AttemptRecord[];
  status: "ok" | "failed";
  errorKind: string | null;
  error: string | null;
}

export interface SummaryDraft {
  userId: number;
  configId: number;
  seq: number;
  partitionContentHash: string;
  promptVersionId: number;
  provider: string;
  model: string;
  inputHash: string;
  previousInputHash: string;
  status: "ok" | "failed";
  summary: InterestSummary | null;
  error: string | null;
  trace: TraceDraft;
}

export interface CacheDraft {
  key: string;
  provider: string;
  model: string;
  answer: CachedAnswer;
}

export interface WriteBatch {
  traces: TraceDraft[];
  summaries: SummaryDraft[];
  cacheEntries: CacheDraft[];
  cacheHitKeys: string[];
}

/** Rows as one jsonb parameter. PostgreSQL text and jsonb cannot hold NUL or lone surrogates, which a model can send. */
const jsonRows = (rows: unknown[]) =>
  JSON.stringify(rows, (_key, value: unknown) => (typeof value === "string" ? safeText(value) : value));

/** Writes a batch in one transaction; sets `id` on every trace. */
export async function writeBatch(batch: WriteBatch, run: { id: number; totals: RunTotalsRow } | null): Promise<void> {
  if (batch.traces.length === 0 && batch.cacheEntries.length === 0 && !run) return;
  const client = await pool().connect();
  try {
    await client.query("BEGIN");
    if (batch.traces.length > 0) {
      const { rows } = await client.query<{ id: number }>(
        `SELECT nextval(pg_get_serial_sequence('llm_calls', 'id'))::int AS id FROM generate_series(1, $1)`,
        [batch.traces.length],
      );
      batch.traces.forEach((t, i) => (t.id = rows[i]!.id));
      await client.query(
        `INSERT INTO llm_calls (id, run_id, user_id, config_id, seq, prompt_version_id, provider, model, endpoint, params,
           cache_key, cache_hit, rendered_system, rendered_user, raw_response, parsed, prompt_tokens, completion_tokens,
           tokens_estimated, cost_usd, latency_ms, attempts, status, error_kind, error)
         SELECT id, run_id, user_id, config_id, seq, prompt_version_id, provider, model, endpoint, params,
           cache_key, cache_hit, rendered_system, rendered_user, raw_response, parsed, prompt_tokens, completion_tokens,
           tokens_estimated, cost_usd, latency_ms, attempts, status, error_kind, error
         FROM jsonb_to_recordset($1::jsonb) AS x(id int, run_id int, user_id int, config_id int, seq int, prompt_version_id int,
           provider text, model text, endpoint text, params jsonb, cache_key text, cache_hit boolean, rendered_system text,
           rendered_user text, raw_response text, parsed jsonb, prompt_tokens int, completion_tokens int,
           tokens_estimated boolean, cost_usd float8, latency_ms int, attempts jsonb, status text, error_kind text, error text)`,
        [
          jsonRows(
            batch.traces.map((t) => ({
              id: t.id,
              run_id: t.runId,
              user_id: t.userId,
              config_id: t.configId,
              seq: t.seq,
              prompt_version_id: t.promptVersionId,
              provider: t.provider,
              model: t.model,
              endpoint: t.endpoint,
              params: t.params,
              cache_key: t.cacheKey,
              cache_hit: t.cacheHit,
              rendered_system: t.renderedSystem,
              rendered_user: t.renderedUser,
              raw_response: t.rawResponse,
              parsed: t.parsed,
              prompt_tokens: t.promptTokens,
              completion_tokens: t.completionTokens,
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
    if (batch.cacheEntries.length > 0) {
      await client.query(
        `INSERT INTO llm_cache (key, provider, model, response, raw_response, prompt_tokens, completion_tokens)
         SELECT key, provider, model, response, raw_response, prompt_tokens, completion_tokens
         FROM jsonb_to_recordset($1::jsonb) AS x(key text, provider text, model text, response jsonb, raw_response text,
           prompt_tokens int, completion_tokens int)
         ON CONFLICT (key) DO NOTHING`,
        [
          jsonRows(
            batch.cacheEntries.map((c) => ({
              key: c.key,
              provider: c.provider,
              model: c.model,
              response: c.answer.response,
              raw_response: c.answer.rawResponse,
              prompt_tokens: c.answer.promptTokens,
              completion_tokens: c.answer.completionTokens,
            })),
          ),
        ],
      );
    }
    if (batch.cacheHitKeys.length > 0) {
      await client.query(
        `UPDATE llm_cache c SET hits = c.hits + h.n, last_hit_at = now()
         FROM (SELECT key, count(*)::int AS n FROM unnest($1::text[]) AS key GROUP BY key) h WHERE c.key = h.key`,
        [batch.cacheHitKeys],
      );
    }
    if (batch.summaries.length > 0) {
      await client.query(
        `INSERT INTO partition_summaries (user_id, config_id, seq, partition_content_hash, prompt_version_id, provider, model,
           input_hash, previous_input_hash, status, summary, shift, interests, error, llm_call_id)
         SELECT user_id, config_id, seq, partition_content_hash, prompt_version_id, provider, model,
           input_hash, previous_input_hash, status, summary, shift, interests, error, llm_call_id
         FROM jsonb_to_recordset($1::jsonb) AS x(user_id int, config_id int, seq int, partition_content_hash text,
           prompt_version_id int, provider text, model text, input_hash text, previous_input_hash text, status text,
           summary text, shift text, interests jsonb, error text, llm_call_id int)
         ON CONFLICT (user_id, config_id, input_hash) DO UPDATE SET
           seq = EXCLUDED.seq, partition_content_hash = EXCLUDED.partition_content_hash,
           prompt_version_id = EXCLUDED.prompt_version_id, provider = EXCLUDED.provider, model = EXCLUDED.model,
           previous_input_hash = EXCLUDED.previous_input_hash, status = EXCLUDED.status, summary = EXCLUDED.summary,
           shift = EXCLUDED.shift, interests = EXCLUDED.interests, error = EXCLUDED.error,
           llm_call_id = EXCLUDED.llm_call_id, created_at = now()
         WHERE partition_summaries.status <> 'ok' OR EXCLUDED.status = 'ok'`,
        [
          jsonRows(
            batch.summaries.map((s) => ({
              user_id: s.userId,
              config_id: s.configId,
              seq: s.seq,
              partition_content_hash: s.partitionContentHash,
              prompt_version_id: s.promptVersionId,
              provider: s.provider,
              model: s.model,
              input_hash: s.inputHash,
              previous_input_hash: s.previousInputHash,
              status: s.status,
              summary: s.summary?.summary ?? null,
              shift: s.summary?.shift ?? null,
              interests: s.summary?.interests ?? [],
              error: s.error,
              llm_call_id: s.trace.id ?? null,
            })),
          ),
        ],
      );
    }
    if (run)
      await client.query(`UPDATE llm_runs SET ${TOTALS_SQL} WHERE id = $1`, [run.id, ...totalsParams(run.totals)]);
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    for (const t of batch.traces) delete t.id;
    throw err;
  } finally {
    client.release();
  }
}

/** What the cascade's chain and staleness need of a summary row (no text): newest first. */
export interface SummaryLink {
  id: number;
  seq: number;
  inputHash: string;
  previousInputHash: string;
  partitionContentHash: string;
  /** ok | failed: a missing summary after a failed one waits behind it. */
  status: string;
}

export async function loadSummaryLinks(
  configId: number,
  promptVersionId: number,
  userId: number,
): Promise<SummaryLink[]> {
  const { rows } = await pool().query<SummaryLink>(
    `SELECT id, seq, input_hash AS "inputHash", previous_input_hash AS "previousInputHash",
            partition_content_hash AS "partitionContentHash", status
       FROM partition_summaries WHERE config_id = $1 AND prompt_version_id = $2 AND user_id = $3
      ORDER BY id DESC`,
    [configId, promptVersionId, userId],
  );
  return rows;
}
