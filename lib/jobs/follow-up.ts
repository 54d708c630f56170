import { setTimeout as sleep } from "node:timers/promises";
import { pool } from "../db/client";
import { onIngestCommitted, type IngestCommitted } from "../ingest/events";
import { FOLLOW_UP_STEPS } from "../pipeline/pipeline";
import { resolveConfigId } from "../partitions/configs";
import { requirePrompt } from "../summaries/prompts";
import { currentProvider } from "../summaries/settings";
import { wakeRun } from "./queue";
import { createJobRun, getJobRun, scopeUsers, type Overrides } from "./runs";
import { ACTIVE_STATUSES, type JobRunView } from "./types";
import { drainRun, type WorkerOptions } from "./worker";

/**
 * After ingestion: the pipeline's follow-up of what was sealed (summaries, then vectors),
 * as a job run of kind "ingest" over the users with pending partitions under the active
 * config and the production prompt. A burst of ingests does not make a burst of runs: while an
 * ingest run over the same versions is active, new users are added to it.
 */

const FOLLOW_UP_LOCK = "liber-ingest-follow-up";

/**
 * Queues the follow-up of an ingest; returns the run (null when nothing is pending). With
 * `noWake`, the caller runs it itself (`runToEnd`): the CLI import, the demo seeding.
 */
export async function enqueueIngestFollowUp(
  event: IngestCommitted,
  opts: { noWake?: boolean; createdBy?: string | null } = {},
  overrides: Overrides = {},
): Promise<JobRunView | null> {
  if (event.sealed === 0) return null;
  const configId = await resolveConfigId("active");
  if (configId === null) return null;
  const prompt = await requirePrompt("production");
  const userIds = await scopeUsers({ pending: true }, configId, prompt.id!);
  if (userIds.length === 0) return null;

  const client = await pool().connect();
  let joined: number | null = null;
  try {
    await client.query("BEGIN");
    await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [FOLLOW_UP_LOCK]);
    const { rows } = await client.query<{ id: number }>(
      `SELECT id FROM job_runs WHERE kind = 'ingest' AND config_id = $1 AND prompt_version_id = $2
         AND status = ANY($3::text[]) AND status <> 'paused' ORDER BY id DESC LIMIT 1 FOR UPDATE`,
      [configId, prompt.id, ACTIVE_STATUSES],
    );
    if (rows[0]) {
      joined = rows[0].id;
      await client.query(
        `INSERT INTO job_run_items (run_id, user_id) SELECT $1, unnest($2::int[])
         ON CONFLICT (run_id, user_id) DO UPDATE SET status = 'pending', attempts = 0, next_attempt_at = NULL, updated_at = now()
         WHERE job_run_items.status IN ('done', 'failed')`,
        [joined, userIds],
      );
      await client.query(
        `UPDATE job_runs SET users_total = (SELECT count(*) FROM job_run_items WHERE run_id = $1), updated_at = now() WHERE id = $1`,
        [joined],
      );
    }
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  if (joined !== null) {
    if (!opts.noWake) await wakeRun(joined, 1);
    return getJobRun(joined);
  }
  return createJobRun(
    { scope: { pending: true }, steps: FOLLOW_UP_STEPS, config: configId, prompt: prompt.id! },
    { kind: "ingest", createdBy: opts.createdBy ?? event.caller ?? null, ...(opts.noWake ? { noWake: true } : {}) },
    overrides,
  );
}

/** The server subscribes once at start: each committed ingest queues its follow-up. */
export function installIngestFollowUps(overrides: Overrides = {}): () => void {
  return onIngestCommitted((event) => enqueueIngestFollowUp(event, {}, overrides).then(() => undefined));
}

/**
 * Works on a run in this process until it is finished (done, failed, cancelled or paused),
 * waiting out retry delays; other workers may help. For the CLI and the demo seeding.
 */
export async function runToEnd(
  runId: number,
  opts: WorkerOptions & { onProgress?: (run: JobRunView) => void; pollMs?: number } = {},
): Promise<JobRunView> {
  const report = async () => {
    const run = await getJobRun(runId);
    opts.onProgress?.(run);
    return run;
  };
  const ticker = opts.onProgress ? setInterval(() => void report().catch(() => undefined), opts.pollMs ?? 500) : null;
  try {
    for (;;) {
      const { nextDueSeconds } = await drainRun(runId, { ...opts, wake: false });
      const run = await getJobRun(runId);
      if (!ACTIVE_STATUSES.includes(run.status) || run.status === "paused") return run;
      // Retries due later, or users another worker holds: look again shortly.
      await sleep(Math.max(200, Math.min(5000, (nextDueSeconds ?? 0.5) * 1000)));
    }
  } finally {
    if (ticker) clearInterval(ticker);
    await report().catch(() => undefined);
  }
}

/**
 * First start: summarise the demo data with the built-in provider (about a millisecond per
 * partition), through the same pipeline as everything else. With an LLM endpoint configured
 * nothing is sent: summarising the whole demo would spend the user's budget unasked.
 */
export async function followUpDemoData(log: (line: string) => void): Promise<JobRunView | null> {
  try {
    const { settings } = await currentProvider();
    if (settings.provider !== "builtin") {
      log(
        `demo data: partitions not summarised (the ${settings.provider} provider would spend your LLM budget); run \`liber recompute --steps summarise\``,
      );
      return null;
    }
    const run = await enqueueIngestFollowUp({ sealed: 1 }, { noWake: true, createdBy: "demo" });
    if (!run) return null;
    let nextQuarter = 1;
    const done = await runToEnd(run.id, {
      onProgress: (r) => {
        const p = r.progress;
        while (nextQuarter < 4 && p.partitionsTotal > 0 && p.partitionsDone >= (p.partitionsTotal * nextQuarter) / 4) {
          log(`demo data: summaries ${nextQuarter * 25}%`);
          nextQuarter++;
        }
      },
    });
    const seconds =
      done.startedAt && done.finishedAt ? (Date.parse(done.finishedAt) - Date.parse(done.startedAt)) / 1000 : 0;
    log(
      `demo data: job #${done.id} ${done.status}: ${done.progress.partitionsDone.toLocaleString("en")} partitions of ` +
        `${done.progress.usersDone.toLocaleString("en")} users summarised by the built-in provider in ${seconds.toFixed(1)} s` +
        (done.progress.usersFailed > 0 ? ` (${done.progress.usersFailed} users failed)` : "") +
        (done.notes.length ? ` [${done.notes.join("; ")}]` : ""),
    );
    return done;
  } catch (err) {
    log(
      `demo data: summarising failed (${err instanceof Error ? err.message : String(err)}); retry with \`liber recompute --steps summarise\``,
    );
    return null;
  }
}
