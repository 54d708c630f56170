import { createHash } from "node:crypto";
import { conflict, notFound, unprocessable } from "../api/errors";
import { pool } from "../db/client";
import type { LlmProvider, SummariseParams } from "../llm";
import { orderedSteps } from "../pipeline/pipeline";
import { resolveConfigId } from "../partitions/configs";
import { requireAllUsersFound } from "../users/profile";
import { requirePrompt, type ResolvedPrompt } from "../summaries/prompts";
import { currentProvider, PriceTable, type LlmSettingsValues } from "../summaries/settings";
import { config } from "../config";
import { estimateRunByUser } from "./estimate";
import { wakeRun } from "./queue";
import {
  ACTIVE_STATUSES,
  type CreateRunRequest,
  type ItemStatus,
  type JobRunItemView,
  type JobRunView,
  type JobStep,
  type RunEstimate,
  type RunScope,
  type RunStatus,
} from "./types";

/**
 * Runs: what the API, the CLI and ingestion's follow-up call. A run is created with its
 * scope resolved to users (one job_run_items row each), its versions fixed, and an estimate;
 * then the queue is woken (queue.ts) and workers claim its users (worker.ts).
 */

export interface Overrides {
  /** Tests and benchmarks: a provider instead of the one the settings select. */
  provider?: LlmProvider;
  params?: Partial<SummariseParams>;
}

export interface ResolvedRequest {
  scope: RunScope;
  steps: JobStep[];
  configId: number;
  prompt: ResolvedPrompt;
  encoder: string | null;
  provider: LlmProvider;
  settings: LlmSettingsValues;
  prices: PriceTable;
  model: string;
  userIds: number[];
}

export async function resolveRequest(req: CreateRunRequest, overrides: Overrides = {}): Promise<ResolvedRequest> {
  const steps = orderedSteps(req.steps);
  if (steps.length === 0) throw unprocessable("A run needs at least one step: repartition, summarise, encode or fuse.");
  const configId = await resolveConfigId(req.config ?? "active");
  if (configId === null)
    throw notFound(
      req.config === undefined || req.config === "active"
        ? "An active partition config"
        : `Partition config ${req.config}`,
    );
  const [prompt, current, prices] = await Promise.all([
    requirePrompt(req.prompt ?? "production"),
    currentProvider(),
    PriceTable.load(),
  ]);
  const provider = overrides.provider ?? current.provider;
  const model = provider.resolveParams(overrides.params).model;
  const userIds = await scopeUsers(req.scope, configId, prompt.id!);
  return {
    scope: req.scope,
    steps,
    configId,
    prompt,
    encoder: req.encoder ?? null,
    provider,
    settings: current.settings,
    prices,
    model,
    userIds,
  };
}

/** The users of a scope, by internal id, ascending. */
export async function scopeUsers(scope: RunScope, configId: number, promptVersionId: number): Promise<number[]> {
  if ("users" in scope) {
    const wanted = [...new Set(scope.users)];
    const { rows } = await pool().query<{ id: number; external_id: string }>(
      `SELECT id, external_id FROM users WHERE external_id = ANY($1::text[]) ORDER BY id`,
      [wanted],
    );
    requireAllUsersFound(wanted, rows);
    return rows.map((r) => r.id);
  }
  if ("pending" in scope) {
    const { rows } = await pool().query<{ user_id: number }>(
      `SELECT DISTINCT p.user_id FROM partitions p
       WHERE p.config_id = $1 AND NOT EXISTS (
         SELECT 1 FROM partition_summaries s
         WHERE s.user_id = p.user_id AND s.config_id = p.config_id AND s.prompt_version_id = $2
           AND s.seq = p.seq AND s.partition_content_hash = p.content_hash AND s.status = 'ok')
       ORDER BY p.user_id`,
      [configId, promptVersionId],
    );
    return rows.map((r) => r.user_id);
  }
  const minEvents = "minEvents" in scope ? scope.minEvents : 1;
  const { rows } = await pool().query<{ id: number }>(`SELECT id FROM users WHERE event_count >= $1 ORDER BY id`, [
    Math.max(1, minEvents),
  ]);
  return rows.map((r) => r.id);
}

export async function estimateRequest(req: CreateRunRequest, overrides: Overrides = {}): Promise<RunEstimate> {
  return estimateOf(await resolveRequest(req, overrides), overrides);
}

function estimateOf(r: ResolvedRequest, overrides: Overrides): Promise<RunEstimate> {
  return estimateOfByUser(r, overrides).then((e) => e.estimate);
}

function estimateOfByUser(r: ResolvedRequest, overrides: Overrides) {
  return estimateRunByUser({
    configId: r.configId,
    prompt: r.prompt,
    provider: r.provider,
    ...(overrides.params ? { params: overrides.params } : {}),
    settings: r.settings,
    prices: r.prices,
    userIds: r.userIds,
    repartition: r.steps.includes("repartition"),
    summarise: r.steps.includes("summarise"),
  });
}

/** Same users, steps and versions: two such runs at once would do the same work twice. */
export function raceKey(
  r: Pick<ResolvedRequest, "userIds" | "steps" | "configId" | "prompt" | "encoder" | "model"> & {
    provider: { provider: string };
  },
): string {
  return createHash("sha256")
    .update(JSON.stringify([r.userIds, r.steps, r.configId, r.prompt.id, r.encoder, r.provider.provider, r.model]))
    .digest("hex");
}

export interface CreateOptions {
  kind?: "recompute" | "ingest";
  createdBy?: string | null;
  /** Do not wake the queue (the caller drains the run itself, e.g. demo seeding). */
  noWake?: boolean;
}

/**
 * Creates a run (status queued) and wakes the workers. Refused (409) when a run over the same
 * users and versions is still active, with its id and status; runs that merely overlap wait
 * for each other user by user (worker.ts). A cost cap needs a price for the model.
 */
export async function createJobRun(
  req: CreateRunRequest,
  opts: CreateOptions = {},
  overrides: Overrides = {},
): Promise<JobRunView> {
  const r = await resolveRequest(req, overrides);
  if (r.userIds.length === 0) throw unprocessable("The scope has no users.");
  const costCap = req.costCapUsd ?? null;
  if (costCap !== null && r.steps.includes("summarise") && r.prices.cost(r.provider.provider, r.model, 1, 1) === null) {
    throw unprocessable(
      `A cost cap needs a price for ${r.provider.provider}/${r.model} (Settings -> prices); without one the cost cannot be counted.`,
    );
  }
  const { estimate, workByUser } = await estimateOfByUser(r, overrides);
  const key = raceKey(r);
  const client = await pool().connect();
  let runId: number;
  try {
    await client.query("BEGIN");
    // Serialises creations with the same key, so two clicks cannot both pass the check.
    await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`liber-job-run:${key}`]);
    const { rows: active } = await client.query<{ id: number; status: string }>(
      `SELECT id, status FROM job_runs WHERE race_key = $1 AND status = ANY($2::text[]) ORDER BY id LIMIT 1`,
      [key, ACTIVE_STATUSES],
    );
    if (active[0]) {
      throw conflict(
        `Run #${active[0].id} over the same users and versions is ${active[0].status}; wait for it, resume it or cancel it first.`,
      );
    }
    const { rows } = await client.query<{ id: number }>(
      `INSERT INTO job_runs (kind, scope, steps, config_id, prompt_version_id, encoder, provider, model, race_key, cost_cap_usd,
         estimate, users_total, partitions_total, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
      [
        opts.kind ?? "recompute",
        JSON.stringify(r.scope),
        r.steps,
        r.configId,
        r.prompt.id,
        r.encoder,
        r.provider.provider,
        r.model,
        key,
        costCap,
        JSON.stringify(estimate),
        r.userIds.length,
        r.steps.includes("summarise") ? estimate.toSummarise + estimate.cacheHits : 0,
        opts.createdBy ?? null,
      ],
    );
    runId = rows[0]!.id;
    // partitions_total: the estimate's partitions to work on per user; claims take the largest first (worker.ts).
    await client.query(
      `INSERT INTO job_run_items (run_id, user_id, partitions_total) SELECT $1, u, w FROM unnest($2::int[], $3::int[]) AS x(u, w)`,
      [runId, r.userIds, r.userIds.map((u) => workByUser.get(u) ?? 0)],
    );
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  if (!opts.noWake) await wakeRun(runId, Math.min(config().LIBER_JOBS_FANOUT, r.userIds.length));
  return getJobRun(runId);
}

export async function cancelJobRun(id: number): Promise<JobRunView> {
  const run = await getJobRun(id);
  if (!ACTIVE_STATUSES.includes(run.status))
    throw conflict(`Run #${id} is ${run.status}; only a queued, running, retrying or paused run can be cancelled.`);
  // Workers see the status at their next heartbeat and stop their calls (worker.ts).
  await pool().query(
    `UPDATE job_runs SET status = 'cancelled', finished_at = now(), updated_at = now() WHERE id = $1 AND status = ANY($2::text[])`,
    [id, ACTIVE_STATUSES],
  );
  await pool().query(
    `UPDATE job_run_items SET status = 'pending', worker = NULL WHERE run_id = $1 AND status = 'running'`,
    [id],
  );
  return getJobRun(id);
}

/** Resumes a paused run (optionally with a new cost cap), or a failed/cancelled one from where it stopped. */
export async function resumeJobRun(id: number, costCapUsd?: number | null): Promise<JobRunView> {
  const run = await getJobRun(id);
  if (run.status === "done" || run.status === "running" || run.status === "queued") {
    throw conflict(`Run #${id} is ${run.status}; nothing to resume.`);
  }
  const cap = costCapUsd === undefined ? run.costCapUsd : costCapUsd;
  if (cap !== null && run.progress.costUsd >= cap) {
    throw unprocessable(
      `The cost cap ($${cap}) must be above what the run has spent ($${run.progress.costUsd.toFixed(4)}).`,
    );
  }
  const client = await pool().connect();
  try {
    await client.query("BEGIN");
    await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`liber-job-run:${await raceKeyOf(id)}`]);
    const { rows: other } = await client.query<{ id: number; status: string }>(
      `SELECT id, status FROM job_runs WHERE race_key = (SELECT race_key FROM job_runs WHERE id = $1) AND id <> $1 AND status = ANY($2::text[]) LIMIT 1`,
      [id, ACTIVE_STATUSES],
    );
    if (other[0]) throw conflict(`Run #${other[0].id} over the same users and versions is ${other[0].status}.`);
    await client.query(
      `UPDATE job_runs SET status = 'queued', cost_cap_usd = $2, pause_reason = NULL, error = NULL, finished_at = NULL, updated_at = now() WHERE id = $1`,
      [id, cap],
    );
    // Failed users get a fresh set of attempts.
    await client.query(
      `UPDATE job_run_items SET status = 'pending', attempts = 0, next_attempt_at = NULL, worker = NULL WHERE run_id = $1 AND status IN ('failed', 'running')`,
      [id],
    );
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  await wakeRun(
    id,
    Math.min(config().LIBER_JOBS_FANOUT, Math.max(1, run.progress.usersTotal - run.progress.usersDone)),
  );
  return getJobRun(id);
}

async function raceKeyOf(id: number): Promise<string> {
  const { rows } = await pool().query<{ race_key: string }>(`SELECT race_key FROM job_runs WHERE id = $1`, [id]);
  return rows[0]?.race_key ?? "";
}

/** Retries failed (or retrying) users now: all of them, or the named ones. */
export async function retryJobItems(id: number, users?: readonly string[]): Promise<JobRunView> {
  const run = await getJobRun(id);
  if (run.status === "cancelled") throw conflict(`Run #${id} was cancelled; resume it instead.`);
  const { rows } = await pool().query<{ user_id: number }>(
    `UPDATE job_run_items i SET status = 'pending', attempts = 0, next_attempt_at = NULL, worker = NULL, updated_at = now()
     FROM users u WHERE u.id = i.user_id AND i.run_id = $1 AND i.status IN ('failed', 'retrying')
       AND ($2::text[] IS NULL OR u.external_id = ANY($2::text[]))
     RETURNING i.user_id`,
    [id, users ?? null],
  );
  if (rows.length === 0)
    throw conflict(users ? "None of these users has failed in this run." : `Run #${id} has no failed users.`);
  await pool().query(
    `UPDATE job_runs SET status = CASE WHEN status IN ('failed', 'done') THEN 'queued' ELSE status END, finished_at = NULL, error = NULL, updated_at = now()
     WHERE id = $1`,
    [id],
  );
  await wakeRun(id, Math.min(config().LIBER_JOBS_FANOUT, rows.length));
  return getJobRun(id);
}

// ---------------------------------------------------------------------------------------
// Reads

interface RunRow {
  id: number;
  kind: "recompute" | "ingest";
  status: RunStatus;
  scope: RunScope;
  steps: JobStep[];
  config_id: number;
  config_name: string | null;
  config_version: number | null;
  prompt_version_id: number;
  prompt_name: string | null;
  prompt_version: number | null;
  encoder: string | null;
  provider: string;
  model: string;
  cost_cap_usd: number | null;
  estimate: RunEstimate | null;
  users_total: number;
  partitions_total: number;
  partitions_done: number;
  calls: number;
  cache_hits: number;
  retries: number;
  failed_calls: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
  pause_reason: string | null;
  error: string | null;
  notes: string[];
  created_by: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  heartbeat_at: Date | null;
  now: Date;
  n_done: number;
  n_failed: number;
  n_retrying: number;
  n_running: number;
}

const RUN_SELECT = `
  SELECT r.*, c.name AS config_name, c.version AS config_version, p.name AS prompt_name, p.version AS prompt_version, now() AS now,
         coalesce(i.n_done, 0)::int AS n_done, coalesce(i.n_failed, 0)::int AS n_failed,
         coalesce(i.n_retrying, 0)::int AS n_retrying, coalesce(i.n_running, 0)::int AS n_running
  FROM job_runs r
  LEFT JOIN partition_configs c ON c.id = r.config_id
  LEFT JOIN prompt_versions p ON p.id = r.prompt_version_id
  LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE status = 'done') AS n_done, count(*) FILTER (WHERE status = 'failed') AS n_failed,
           count(*) FILTER (WHERE status = 'retrying') AS n_retrying, count(*) FILTER (WHERE status = 'running') AS n_running
    FROM job_run_items WHERE run_id = r.id) i ON true`;

function toView(r: RunRow): JobRunView {
  const done = Math.min(r.partitions_done, Math.max(r.partitions_total, r.partitions_done));
  const elapsed = r.started_at ? ((r.finished_at ?? r.now).getTime() - r.started_at.getTime()) / 1000 : 0;
  const rate = elapsed > 1 && done > 0 ? done / elapsed : null;
  const left = Math.max(0, r.partitions_total - done);
  const active = r.status === "running" || r.status === "retrying" || r.status === "queued";
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    scope: r.scope,
    steps: r.steps,
    config: { id: r.config_id, name: r.config_name, version: r.config_version },
    prompt: { id: r.prompt_version_id, name: r.prompt_name, version: r.prompt_version },
    encoder: r.encoder,
    provider: r.provider,
    model: r.model,
    costCapUsd: r.cost_cap_usd,
    estimate: r.estimate,
    progress: {
      usersTotal: r.users_total,
      usersDone: r.n_done,
      usersFailed: r.n_failed,
      usersRetrying: r.n_retrying,
      usersRunning: r.n_running,
      partitionsTotal: r.partitions_total,
      partitionsDone: r.partitions_done,
      calls: r.calls,
      cacheHits: r.cache_hits,
      retries: r.retries,
      failedCalls: r.failed_calls,
      promptTokens: r.prompt_tokens,
      completionTokens: r.completion_tokens,
      costUsd: r.cost_usd,
      rate: rate === null ? null : Math.round(rate * 100) / 100,
      etaSeconds: active && rate ? Math.round(left / rate) : active && left === 0 ? 0 : null,
    },
    pauseReason: r.pause_reason,
    error: r.error,
    notes: Array.isArray(r.notes) ? r.notes : [],
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    startedAt: r.started_at?.toISOString() ?? null,
    finishedAt: r.finished_at?.toISOString() ?? null,
    heartbeatAt: r.heartbeat_at?.toISOString() ?? null,
  };
}

export async function getJobRun(id: number): Promise<JobRunView> {
  const { rows } = await pool().query<RunRow>(`${RUN_SELECT} WHERE r.id = $1`, [id]);
  if (!rows[0]) throw notFound(`Run #${id}`);
  return toView(rows[0]);
}

export async function listJobRuns(opts: { limit?: number; status?: RunStatus } = {}): Promise<JobRunView[]> {
  const { rows } = await pool().query<RunRow>(
    `${RUN_SELECT} WHERE ($2::text IS NULL OR r.status = $2) ORDER BY r.id DESC LIMIT $1`,
    [opts.limit ?? 50, opts.status ?? null],
  );
  return rows.map(toView);
}

export async function listJobItems(
  id: number,
  opts: { status?: ItemStatus; limit?: number } = {},
): Promise<JobRunItemView[]> {
  await getJobRun(id);
  const { rows } = await pool().query<{
    user_id: number;
    external_id: string;
    status: ItemStatus;
    attempts: number;
    partitions_total: number;
    partitions_done: number;
    calls: number;
    cache_hits: number;
    error: string | null;
    error_kind: string | null;
    next_attempt_at: Date | null;
    updated_at: Date;
  }>(
    `SELECT i.*, u.external_id FROM job_run_items i JOIN users u ON u.id = i.user_id
     WHERE i.run_id = $1 AND ($2::text IS NULL OR i.status = $2)
     ORDER BY CASE i.status WHEN 'failed' THEN 0 WHEN 'retrying' THEN 1 WHEN 'running' THEN 2 WHEN 'pending' THEN 3 ELSE 4 END, i.user_id
     LIMIT $3`,
    [id, opts.status ?? null, opts.limit ?? 200],
  );
  return rows.map((r) => ({
    userId: r.user_id,
    user: r.external_id,
    status: r.status,
    attempts: r.attempts,
    partitionsTotal: r.partitions_total,
    partitionsDone: r.partitions_done,
    calls: r.calls,
    cacheHits: r.cache_hits,
    error: r.error,
    errorKind: r.error_kind,
    nextAttemptAt: r.next_attempt_at?.toISOString() ?? null,
    updatedAt: r.updated_at.toISOString(),
  }));
}
