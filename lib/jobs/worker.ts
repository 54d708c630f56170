import crypto from "node:crypto";
import os from "node:os";
import { config } from "../config";
import { pool } from "../db/client";
import { estimateChatTokens, type LlmProvider, type SummariseRequest } from "../llm";
import { isRetryable, runUsersSteps } from "../pipeline/pipeline";
import { RunRecorder, StepDeferred } from "../summaries/cascade";
import { requirePrompt, type ResolvedPrompt } from "../summaries/prompts";
import { currentProvider, PriceTable } from "../summaries/settings";
import { queue, RUN_QUEUE, wakeRun, type DrainMessage } from "./queue";
import type { Overrides } from "./runs";
import type { JobStep, RunStatus } from "./types";

/**
 * Workers. A worker process takes "drain run N" messages from the queue (queue.ts) and, for
 * each, claims the run's users one at a time from job_run_items and runs the pipeline's steps
 * for each (lib/pipeline), with several users in flight at once. What keeps the work exactly
 * once and resumable:
 *
 * - Claims: a user is claimed by one UPDATE (status running, worker id, heartbeat); claims of
 *   runs over the same config and prompt are serialised by an advisory lock, and a user that
 *   another active run over the same versions is working on is skipped until it is done.
 * - Heartbeats: every HEARTBEAT_MS the worker touches its claimed users and the run. A user
 *   whose worker stopped (kill -9, a lost machine, a database restart that dropped it) is
 *   claimable again once its heartbeat is LIBER_JOBS_STALE_SECONDS old; a sweeper in every
 *   worker wakes runs that have such users and nobody working on them. Nothing stays
 *   `running` forever.
 * - Content keys: a claimed user's cascade summarises only partitions without a summary for
 *   their input hash, and paid answers are written before the next call (RunRecorder.durable),
 *   so a user taken over from a dead worker costs no second call for what was finished.
 * - Cost cap: before each LLM call the worst-case cost (estimated prompt tokens, max_tokens of
 *   completion) is reserved on the run row in one conditional UPDATE; when it would exceed the
 *   cap the run is paused and the call is not made.
 */

const HEARTBEAT_MS = 2000;
const SWEEP_MS = 5000;
/** How often an idle worker asks the queue for work. */
const POLL_MS = 500;
/** Users claimed at once when the built-in provider summarises. */
const BUILTIN_BATCH = 16;
/** Users' lanes of a drain with the built-in provider (unless LIBER_JOBS_CONCURRENCY or --concurrency say otherwise). */
const BUILTIN_LANES = 2;
/** Backoff of a user whose step failed with a retryable error: 5 s, 10 s, 20 s... (LIBER_JOBS_RETRY_SECONDS) up to 5 min. */
const retryDelaySeconds = (attempt: number) =>
  Math.min(300, config().LIBER_JOBS_RETRY_SECONDS * 2 ** Math.max(0, attempt - 1));

export interface WorkerOptions {
  /** Shown on claimed users (default host:pid:random). */
  id?: string;
  /** Runs worked on at once by this process (default LIBER_JOBS_SLOTS). */
  slots?: number;
  /** Users in flight per run (default LIBER_JOBS_CONCURRENCY, else twice the provider's LLM concurrency). */
  concurrency?: number;
  overrides?: Overrides;
  log?: (line: string) => void;
}

export interface RunningWorker {
  id: string;
  stop(): Promise<void>;
}

export function newWorkerId(): string {
  return `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString("hex")}`;
}

/**
 * Starts a worker in this process: `slots` consumers of the queue plus the stale-work sweeper.
 * The consumers are our own fetch loops rather than pg-boss' work(): every call to the
 * database is awaited and caught, so a database restart is a pause, never a crash.
 */
export async function startWorker(opts: WorkerOptions = {}): Promise<RunningWorker> {
  const id = opts.id ?? newWorkerId();
  const log = opts.log ?? (() => {});
  await queue();
  const slots = opts.slots ?? config().LIBER_JOBS_SLOTS;
  let stopped = false;
  let wakeUp: (() => void) | null = null;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const consume = async () => {
    let failures = 0;
    while (!stopped) {
      try {
        const boss = await queue();
        const [job] = await boss.fetch<DrainMessage>(RUN_QUEUE);
        if (!job) {
          await pause(POLL_MS);
          continue;
        }
        try {
          await drainRun(job.data.runId, { ...opts, id, log, shouldStop: () => stopped });
          await boss.complete(RUN_QUEUE, job.id);
        } catch (err) {
          // The drain stopped on a database error: pg-boss retries the message; stale claims are reclaimed.
          await boss.fail(RUN_QUEUE, job.id, { message: (err as Error).message }).catch(() => undefined);
          throw err;
        }
        failures = 0;
      } catch (err) {
        failures++;
        if (failures === 1) log(`jobs: worker ${id}: ${(err as Error).message}; retrying`);
        await pause(Math.min(5000, 250 * 2 ** Math.min(failures, 5)));
      }
    }
  };
  const loops = Array.from({ length: slots }, () => consume());
  let sweeping: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    sweeping = sweepStaleWork().then(
      () => undefined,
      (err) => log(`jobs: sweep failed (${(err as Error).message}); will try again`),
    );
  }, SWEEP_MS);
  timer.unref();
  void sweepStaleWork().catch(() => undefined);
  return {
    id,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      (wakeUp as (() => void) | null)?.();
      await sweeping;
      await Promise.all(loops);
    },
  };
}

interface RunRow {
  id: number;
  status: RunStatus;
  steps: JobStep[];
  config_id: number;
  prompt_version_id: number;
  encoder: string | null;
  cost_cap_usd: number | null;
}

interface Claimed {
  userId: number;
  externalId: string;
  attempts: number;
}

export interface DrainResult {
  /** Users this call finished (done or failed for good). */
  processed: number;
  /** Seconds until a retrying user is due, when the run has one; null otherwise. */
  nextDueSeconds: number | null;
}

/**
 * Works on one run until it has no claimable user left. Safe to call from any number of
 * processes at once, and again after a crash. Wakes itself later when retries are due.
 */
export async function drainRun(
  runId: number,
  opts: WorkerOptions & { id?: string; wake?: boolean; shouldStop?: () => boolean } = {},
): Promise<DrainResult> {
  const workerId = opts.id ?? newWorkerId();
  const log = opts.log ?? (() => {});
  const run = await loadRun(runId);
  if (!run || !["queued", "running", "retrying"].includes(run.status)) return { processed: 0, nextDueSeconds: null };

  const staleSeconds = config().LIBER_JOBS_STALE_SECONDS;
  const maxAttempts = config().LIBER_JOBS_MAX_ATTEMPTS;
  let prompt: ResolvedPrompt;
  let provider: LlmProvider;
  let maxConcurrency: number;
  try {
    prompt = await requirePrompt(run.prompt_version_id);
    const current = await currentProvider();
    provider = opts.overrides?.provider ?? current.provider;
    maxConcurrency = current.settings.maxConcurrency;
  } catch (err) {
    await failRun(runId, `cannot start: ${(err as Error).message}`);
    return { processed: 0, nextDueSeconds: null };
  }
  const prices = await PriceTable.load();
  const params = provider.resolveParams(opts.overrides?.params);
  // Twice the LLM concurrency by default: the database work of some users (plan, claim, writes)
  // overlaps the LLM calls of others, while the provider's own limit keeps the calls in flight at its concurrency.
  // The built-in provider is CPU work on this process' one event loop: more lanes add no speed,
  // they only hoard users (lanes x BUILTIN_BATCH) that other worker processes could take.
  const concurrency =
    opts.concurrency ??
    config().LIBER_JOBS_CONCURRENCY ??
    (provider.provider === "builtin" ? BUILTIN_LANES : 2 * maxConcurrency);

  const controller = new AbortController();
  const counters = new RunCounters(runId);
  const notes = new Set<string>();
  // One llm_runs row per drain that did work (created on the first claim), named after the job.
  let recorder: Promise<RunRecorder> | null = null;
  const recorderFor = (): Promise<RunRecorder> =>
    (recorder ??= RunRecorder.start(
      {
        kind: "job",
        provider,
        ...(opts.overrides?.params ? { params: opts.overrides.params } : {}),
        configId: run.config_id,
        promptVersionId: run.prompt_version_id,
        createdBy: `job:${runId}`,
      },
      prices,
    ).then((r) => {
      r.durable = provider.provider !== "builtin";
      return r;
    }));

  // Heartbeat: keeps our claims alive, writes counters, and notices cancel/pause from elsewhere.
  let beating: Promise<void> = Promise.resolve();
  const heartbeat = setInterval(() => {
    beating = (async () => {
      // Claims first: a late heartbeat is what lets another worker take a user that is still being worked on.
      await pool().query(
        `UPDATE job_run_items SET heartbeat_at = now() WHERE run_id = $1 AND worker = $2 AND status = 'running'`,
        [runId, workerId],
      );
      await counters.flush();
      const { rows } = await pool().query<{ status: RunStatus }>(
        `UPDATE job_runs SET heartbeat_at = now() WHERE id = $1 RETURNING status`,
        [runId],
      );
      const status = rows[0]?.status;
      if (
        status &&
        status !== "running" &&
        status !== "retrying" &&
        status !== "queued" &&
        !controller.signal.aborted
      ) {
        controller.abort(new Error(`run ${status}`));
      }
    })().catch(() => undefined); // a database restart: the next beat tries again
  }, HEARTBEAT_MS);

  const reservations = new Map<SummariseRequest, number>();
  const beforeCall = async (request: SummariseRequest) => {
    if (run.cost_cap_usd === null) return;
    const promptTokens = estimateChatTokens([
      { role: "system", content: request.system },
      { role: "user", content: request.user },
    ]);
    const worst = prices.cost(provider.provider, params.model, promptTokens, params.maxTokens) ?? 0;
    const { rows } = await pool().query(
      `UPDATE job_runs SET cost_reserved_usd = cost_reserved_usd + $2
       WHERE id = $1 AND status = 'running' AND cost_usd + cost_reserved_usd + $2 <= cost_cap_usd RETURNING id`,
      [runId, worst],
    );
    if (rows.length === 0) {
      const { rows: spent } = await pool().query<{ cost_usd: number; cost_reserved_usd: number }>(
        `UPDATE job_runs SET status = 'paused', updated_at = now(),
           pause_reason = format('cost cap $%s reached: $%s spent, $%s in flight, the next call may cost up to $%s; raise the cap and resume',
             cost_cap_usd, round(cost_usd::numeric, 4), round(cost_reserved_usd::numeric, 4), round($2::numeric, 4))
         WHERE id = $1 AND status IN ('running', 'retrying') RETURNING cost_usd, cost_reserved_usd`,
        [runId, worst],
      );
      if (spent[0]) log(`jobs: run #${runId} paused at its cost cap`);
      controller.abort(new Error("run paused"));
      throw new StepDeferred("cost cap reached");
    }
    reservations.set(request, worst);
  };
  const afterCall = async (request: SummariseRequest, _userId: number, trace: { costUsd: number | null }) => {
    const reserved = reservations.get(request) ?? 0;
    reservations.delete(request);
    const cost = trace.costUsd ?? 0;
    if (reserved === 0 && cost === 0) return;
    await pool().query(
      `UPDATE job_runs SET cost_reserved_usd = greatest(0, cost_reserved_usd - $2), cost_usd = cost_usd + $3 WHERE id = $1`,
      [runId, reserved, cost],
    );
  };

  let processed = 0;
  const processBatch = async (batch: Claimed[]): Promise<void> => {
    const perUser = new Map(
      batch.map((i) => [i.userId, { partitionsTotal: 0, partitionsDone: 0, calls: 0, cacheHits: 0 }]),
    );
    try {
      const result = await runUsersSteps(
        batch.map((i) => ({ id: i.userId, externalId: i.externalId })),
        {
          configId: run.config_id,
          prompt,
          provider,
          ...(opts.overrides?.params ? { params: opts.overrides.params } : {}),
          encoder: run.encoder,
          steps: run.steps,
          recorder: await recorderFor(),
          signal: controller.signal,
          onStep: (userId, step) => {
            const t = step.trace;
            const c = perUser.get(userId);
            if (c) {
              c.partitionsDone++;
              c.partitionsTotal++;
              if (t.cacheHit) c.cacheHits++;
              else if (t.attempts.length > 0) c.calls++;
            }
            counters.add(t);
          },
          beforeCall,
          afterCall,
        },
      );
      for (const n of result.notes) notes.add(n);
      // The run's counters go with the first item's update (one statement), not a round trip of their own.
      let withCounters: RunCounters | null = counters;
      for (const item of batch) {
        const c = perUser.get(item.userId)!;
        const failed = result.failed.get(item.userId);
        if (!failed) {
          await finishItem(runId, item, workerId, { status: "done", ...c }, withCounters);
          withCounters = null;
          continue;
        }
        const reason = `partition ${failed.seq}: ${failed.error ?? failed.errorKind ?? "failed"}`;
        const retry = isRetryable(failed) && item.attempts < maxAttempts;
        await finishItem(
          runId,
          item,
          workerId,
          {
            status: retry ? "retrying" : "failed",
            ...c,
            error: retry ? `${reason} (attempt ${item.attempts} of ${maxAttempts}; will retry)` : reason,
            errorKind: failed.errorKind,
            retryInSeconds: retry ? retryDelaySeconds(item.attempts) : null,
          },
          withCounters,
        );
        withCounters = null;
      }
      processed += batch.length;
    } catch (err) {
      await counters.flush().catch(() => undefined);
      if (err instanceof StepDeferred || controller.signal.aborted) {
        // Paused or cancelled: these users are simply not done; whoever resumes takes them again
        // (what they finished is stored and keyed by content, so it is not redone).
        for (const item of batch) await releaseItem(runId, item, workerId).catch(() => undefined);
        return;
      }
      // Not an LLM failure (those are recorded in the cascade): the database, a bug. Retry later.
      const message = err instanceof Error ? err.message : String(err);
      for (const item of batch) {
        const retry = item.attempts < maxAttempts;
        await finishItem(runId, item, workerId, {
          status: retry ? "retrying" : "failed",
          ...perUser.get(item.userId)!,
          error: `${message}${retry ? ` (attempt ${item.attempts} of ${maxAttempts}; will retry)` : ""}`,
          errorKind: "internal",
          retryInSeconds: retry ? retryDelaySeconds(item.attempts) : null,
        }).catch(() => undefined); // the database is gone: the heartbeat goes stale and another worker takes them
      }
    }
  };

  // The built-in provider answers in about a millisecond: claim users in batches so that the
  // per-claim and per-flush round trips do not dominate. An LLM takes seconds: one at a time.
  const batchSize = provider.provider === "builtin" ? BUILTIN_BATCH : 1;
  // Lanes that need users at the same moment share one claim (at the start: all of them), so a
  // user costs a fraction of a claim's round trips and of its turn at the advisory lock.
  const claims = new ClaimGroup((n) => claimItems(run, workerId, staleSeconds, n), batchSize);
  try {
    const lanes = Array.from({ length: Math.max(1, concurrency) }, async () => {
      while (!controller.signal.aborted && !opts.shouldStop?.()) {
        const batch = await claims.take();
        if (batch.length === 0) break;
        await processBatch(batch);
      }
    });
    await Promise.all(lanes);
  } finally {
    clearInterval(heartbeat);
    await beating;
    await counters.flush().catch(() => undefined);
    if (notes.size > 0) await addNotes(runId, [...notes]).catch(() => undefined);
    const rec = recorder as Promise<RunRecorder> | null;
    if (rec) await rec.then((r) => r.finish()).catch(() => undefined);
  }
  const nextDueSeconds = await refreshRunStatus(runId);
  if (opts.wake !== false) {
    if (opts.shouldStop?.())
      await wakeRun(runId, 1); // this worker is stopping: hand the rest on at once
    else if (nextDueSeconds !== null) await wakeRun(runId, 1, Math.max(1, Math.ceil(nextDueSeconds)));
  }
  return { processed, nextDueSeconds };
}

async function loadRun(runId: number): Promise<RunRow | null> {
  const { rows } = await pool().query<RunRow>(
    `SELECT id, status, steps, config_id, prompt_version_id, encoder, cost_cap_usd FROM job_runs WHERE id = $1`,
    [runId],
  );
  return rows[0] ?? null;
}

/**
 * Claims the next users of the run (pending, due for a retry, or left stale by a dead worker),
 * those with the most partitions to work on first (partitions_total holds the estimate's count
 * until the user is worked on): a user's cascade is sequential, so the longest cascades must
 * start first or the run ends with one long chain and few calls in flight.
 */
async function claimItems(run: RunRow, workerId: string, staleSeconds: number, limit: number): Promise<Claimed[]> {
  const client = await pool().connect();
  try {
    await client.query("BEGIN");
    await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [
      `liber-job-claim:${run.config_id}:${run.prompt_version_id}`,
    ]);
    const { rows } = await client.query<{ user_id: number; attempts: number; external_id: string; work: number }>(
      `WITH next AS (
         SELECT c.run_id, c.user_id FROM job_run_items c JOIN job_runs r ON r.id = c.run_id
         WHERE c.run_id = $1 AND r.status IN ('queued', 'running', 'retrying')
           AND (c.status = 'pending'
             OR (c.status = 'retrying' AND c.next_attempt_at <= now())
             OR (c.status = 'running' AND c.heartbeat_at < now() - make_interval(secs => $3)))
           AND NOT EXISTS (
             SELECT 1 FROM job_run_items o JOIN job_runs r2 ON r2.id = o.run_id
             WHERE o.user_id = c.user_id AND o.run_id <> c.run_id AND o.status = 'running'
               AND o.heartbeat_at >= now() - make_interval(secs => $3)
               AND r2.config_id = r.config_id AND r2.prompt_version_id = r.prompt_version_id
               AND r2.status IN ('queued', 'running', 'retrying'))
         ORDER BY c.partitions_total DESC, c.user_id LIMIT $4 FOR UPDATE OF c SKIP LOCKED)
       UPDATE job_run_items i SET status = 'running', worker = $2, heartbeat_at = now(), attempts = i.attempts + 1,
              next_attempt_at = NULL, updated_at = now()
       FROM next, users u WHERE i.run_id = next.run_id AND i.user_id = next.user_id AND u.id = i.user_id
       RETURNING i.user_id, i.attempts, u.external_id, i.partitions_total AS work`,
      [run.id, workerId, staleSeconds, limit],
    );
    if (rows.length > 0) {
      await client.query(
        `UPDATE job_runs SET status = 'running', started_at = coalesce(started_at, now()), heartbeat_at = now(), updated_at = now()
         WHERE id = $1 AND status IN ('queued', 'retrying')`,
        [run.id],
      );
    }
    await client.query("COMMIT");
    // RETURNING keeps no order: the most work first again, so the group's first lanes start the longest cascades.
    rows.sort((a, b) => b.work - a.work || a.user_id - b.user_id);
    return rows.map((r) => ({ userId: r.user_id, externalId: r.external_id, attempts: r.attempts }));
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

async function finishItem(
  runId: number,
  item: Claimed,
  workerId: string,
  outcome: {
    status: "done" | "failed" | "retrying";
    partitionsTotal: number;
    partitionsDone: number;
    calls: number;
    cacheHits: number;
    error?: string;
    errorKind?: string | null;
    retryInSeconds?: number | null;
  },
  counters: RunCounters | null = null,
): Promise<void> {
  // The run's counter deltas, when given, are written by the same statement (one round trip).
  const d = counters?.take() ?? null;
  try {
    // Only while the claim is still ours: a worker that was too slow and lost it changes nothing.
    await pool().query(
      `WITH item AS (
         UPDATE job_run_items SET status = $4, worker = NULL, partitions_total = greatest(partitions_total, $5),
              partitions_done = partitions_done + $6, calls = calls + $7, cache_hits = cache_hits + $8,
              error = $9, error_kind = $10,
              next_attempt_at = CASE WHEN $11::float8 IS NULL THEN NULL ELSE now() + make_interval(secs => $11::float8) END,
              updated_at = now()
         WHERE run_id = $1 AND user_id = $2 AND worker = $3 AND status = 'running' RETURNING 1),
       run AS (
         UPDATE job_runs SET partitions_done = partitions_done + $13, calls = calls + $14, cache_hits = cache_hits + $15,
              retries = retries + $16, failed_calls = failed_calls + $17, prompt_tokens = prompt_tokens + $18,
              completion_tokens = completion_tokens + $19, updated_at = now()
         WHERE id = $1 AND $12::boolean RETURNING 1)
       SELECT (SELECT count(*) FROM item) AS items, (SELECT count(*) FROM run) AS runs`,
      [
        runId,
        item.userId,
        workerId,
        outcome.status,
        outcome.partitionsTotal,
        outcome.partitionsDone,
        outcome.calls,
        outcome.cacheHits,
        outcome.error ?? null,
        outcome.errorKind ?? null,
        outcome.retryInSeconds ?? null,
        d !== null,
        ...counterValues(d),
      ],
    );
  } catch (err) {
    if (d) counters!.restore(d);
    throw err;
  }
}

async function releaseItem(runId: number, item: Claimed, workerId: string): Promise<void> {
  await pool().query(
    `UPDATE job_run_items SET status = 'pending', worker = NULL, attempts = greatest(0, attempts - 1), updated_at = now()
     WHERE run_id = $1 AND user_id = $2 AND worker = $3 AND status = 'running'`,
    [runId, item.userId, workerId],
  );
}

async function failRun(runId: number, error: string): Promise<void> {
  await pool().query(
    `UPDATE job_runs SET status = 'failed', error = $2, finished_at = now(), updated_at = now() WHERE id = $1 AND status IN ('queued', 'running', 'retrying')`,
    [runId, error],
  );
}

async function addNotes(runId: number, notes: string[]): Promise<void> {
  await pool().query(
    `UPDATE job_runs SET notes = (SELECT coalesce(jsonb_agg(DISTINCT n), '[]'::jsonb) FROM jsonb_array_elements_text(notes || $2::jsonb) AS n) WHERE id = $1`,
    [runId, JSON.stringify(notes)],
  );
}

/**
 * Sets an active run's status from its users: done/failed when none is left to do, retrying
 * when all that is left waits for a retry, running otherwise. Returns the seconds until the
 * next retry is due when the run waits for one (null otherwise).
 */
export async function refreshRunStatus(runId: number): Promise<number | null> {
  const { rows } = await pool().query<{ status: RunStatus; due: number | null }>(
    `WITH c AS (
       SELECT count(*) FILTER (WHERE status IN ('pending', 'running'))::int AS open,
              count(*) FILTER (WHERE status = 'retrying')::int AS retrying,
              count(*) FILTER (WHERE status = 'failed')::int AS failed,
              count(*) FILTER (WHERE status = 'done')::int AS done,
              extract(epoch FROM min(next_attempt_at) FILTER (WHERE status = 'retrying') - now())::float8 AS due
       FROM job_run_items WHERE run_id = $1)
     UPDATE job_runs r SET
       status = CASE WHEN c.open > 0 THEN 'running' WHEN c.retrying > 0 THEN 'retrying' WHEN c.failed > 0 THEN 'failed' ELSE 'done' END,
       users_done = c.done, users_failed = c.failed,
       error = CASE WHEN c.open = 0 AND c.retrying = 0 AND c.failed > 0 THEN c.failed || ' user(s) failed; see the run''s users for the reasons' ELSE r.error END,
       finished_at = CASE WHEN c.open = 0 AND c.retrying = 0 THEN now() ELSE NULL END,
       updated_at = now()
     FROM c WHERE r.id = $1 AND r.status IN ('running', 'retrying', 'queued') AND (r.status <> 'queued' OR c.open = 0)
     RETURNING r.status, c.due`,
    [runId],
  );
  const row = rows[0];
  if (!row || row.status !== "retrying") return null;
  return Math.max(0, row.due ?? 0);
}

/**
 * Every worker, every few seconds: wakes active runs that have claimable users (pending, due,
 * or stale because their worker died) but no heartbeat from any worker lately, and settles runs
 * whose users are all finished. Also closes import runs whose process died.
 */
export async function sweepStaleWork(): Promise<number[]> {
  const stale = config().LIBER_JOBS_STALE_SECONDS;
  const { rows } = await pool().query<{ id: number; claimable: number }>(
    `SELECT r.id, (SELECT count(*)::int FROM job_run_items c WHERE c.run_id = r.id AND (c.status = 'pending'
              OR (c.status = 'retrying' AND c.next_attempt_at <= now())
              OR (c.status = 'running' AND c.heartbeat_at < now() - make_interval(secs => $1)))) AS claimable
     FROM job_runs r
     WHERE r.status IN ('queued', 'running', 'retrying')
       AND coalesce(r.heartbeat_at, r.created_at) < now() - make_interval(secs => $1 / 2.0)`,
    [stale],
  );
  const woken: number[] = [];
  for (const r of rows) {
    if (r.claimable > 0) {
      await wakeRun(r.id, Math.min(config().LIBER_JOBS_FANOUT, r.claimable));
      woken.push(r.id);
    } else {
      await refreshRunStatus(r.id);
    }
  }
  await closeStaleImports();
  return woken;
}

/** An import that has written no progress for this long died with its process. */
export async function closeStaleImports(): Promise<number> {
  const seconds = Math.max(600, config().LIBER_JOBS_STALE_SECONDS * 20);
  const { rowCount } = await pool().query(
    `UPDATE import_runs SET status = 'interrupted', finished_at = now(),
            error_message = 'interrupted: its process stopped without finishing (no progress for ' || $1 || ' s); re-run the import, it is idempotent'
     WHERE status = 'running' AND coalesce(heartbeat_at, started_at) < now() - make_interval(secs => $1)`,
    [seconds],
  );
  return rowCount ?? 0;
}

/**
 * Claims for several lanes at once: a lane that needs users waits for the next claim, which
 * takes `per` users for every lane waiting by then (one claim in flight at a time). A lane
 * that gets none is done (nothing claimable now).
 */
export class ClaimGroup<T> {
  private waiting: { resolve: (items: T[]) => void; reject: (err: unknown) => void }[] = [];
  private claiming = false;

  constructor(
    private readonly claim: (limit: number) => Promise<T[]>,
    private readonly per: number,
  ) {}

  take(): Promise<T[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.claiming || this.waiting.length === 0) return;
    this.claiming = true;
    const group = this.waiting.splice(0);
    this.claim(group.length * this.per)
      .then(
        (items) => group.forEach((w, i) => w.resolve(items.slice(i * this.per, (i + 1) * this.per))),
        (err) => group.forEach((w) => w.reject(err)),
      )
      .finally(() => {
        this.claiming = false;
        this.pump();
      });
  }
}

type CounterDeltas = {
  partitions: number;
  calls: number;
  cacheHits: number;
  retries: number;
  failed: number;
  promptTokens: number;
  completionTokens: number;
};

const noDeltas = (): CounterDeltas => ({
  partitions: 0,
  calls: 0,
  cacheHits: 0,
  retries: 0,
  failed: 0,
  promptTokens: 0,
  completionTokens: 0,
});

/** Adds counter deltas to a run: $1 the run, $2..$8 the deltas (counterValues). */
const RUN_COUNTERS_UPDATE = `UPDATE job_runs SET partitions_done = partitions_done + $2, calls = calls + $3, cache_hits = cache_hits + $4,
     retries = retries + $5, failed_calls = failed_calls + $6, prompt_tokens = prompt_tokens + $7,
     completion_tokens = completion_tokens + $8, updated_at = now() WHERE id = $1`;

function counterValues(d: CounterDeltas | null): number[] {
  const v = d ?? noDeltas();
  return [v.partitions, v.calls, v.cacheHits, v.retries, v.failed, v.promptTokens, v.completionTokens];
}

/** Counter deltas of one drain, added to the run row in one UPDATE (several workers add at once). */
class RunCounters {
  private d = noDeltas();
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly runId: number) {}

  add(t: {
    cacheHit: boolean;
    attempts: unknown[];
    status: string;
    promptTokens: number;
    completionTokens: number;
  }): void {
    this.d.partitions++;
    if (t.cacheHit) this.d.cacheHits++;
    else if (t.attempts.length > 0) {
      this.d.calls++;
      this.d.retries += t.attempts.length - 1;
      this.d.promptTokens += t.promptTokens;
      this.d.completionTokens += t.completionTokens;
    }
    if (t.status === "failed") this.d.failed++;
  }

  /** Takes the deltas to write elsewhere (null when there are none); give them back with restore() if that fails. */
  take(): CounterDeltas | null {
    const d = this.d;
    if (Object.values(d).every((v) => v === 0)) return null;
    this.d = noDeltas();
    return d;
  }

  restore(d: CounterDeltas): void {
    for (const k of Object.keys(d) as (keyof CounterDeltas)[]) this.d[k] += d[k];
  }

  flush(): Promise<void> {
    this.writing = this.writing.then(async () => {
      const d = this.take();
      if (!d) return;
      try {
        await pool().query(RUN_COUNTERS_UPDATE, [this.runId, ...counterValues(d)]);
      } catch (err) {
        // Keep the deltas for the next flush (the database may be restarting).
        this.restore(d);
        throw err;
      }
    });
    const current = this.writing;
    this.writing = current.catch(() => undefined);
    return current;
  }
}
