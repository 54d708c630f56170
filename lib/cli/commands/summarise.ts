import type { Command } from "commander";
import { pool } from "../../db/client";
import type { CascadeProgress } from "../../summaries/cascade";
import { enqueueIngestFollowUp, runToEnd } from "../../jobs/follow-up";
import { stopQueue } from "../../jobs/queue";
import type { JobRunView } from "../../jobs/types";
import { summariseUsers, type SummariseRunResult } from "../../summaries/service";
import { CliError, info, printJson, withDatabase } from "../context";
import { describeRun as describeJobRun } from "./jobs";
import { terminalBar } from "../progress";

/**
 * `liber summarise [--users a,b] [--config V] [--prompt P] [--json]`: runs the UIL cascade
 * (what POST /api/users/{id}/summaries/run does, for many users at once). Only partitions
 * whose input hash has no summary are summarised, so re-running costs nothing.
 */
export function registerSummarise(program: Command): void {
  program
    .command("summarise")
    .alias("summarize")
    .description("summarise sealed partitions with the configured LLM (only those without a summary for their inputs)")
    .option("--users <ids>", "comma-separated external user ids (default: every user with partitions)")
    .option("--config <ref>", "partition config version: id, name@version or active", "active")
    .option("--prompt <ref>", "prompt version id, or production", "production")
    .option("--json", "print the result as JSON on stdout")
    .action(async (opts: { users?: string; config: string; prompt: string; json?: boolean }) => {
      const prompt = parsePromptRef(opts.prompt);
      const wanted = opts.users
        ?.split(",")
        .map((u) => u.trim())
        .filter(Boolean);
      const result = await withDatabase(
        async () => {
          const userIds = wanted ? await internalIds(wanted) : undefined;
          const bar = progressBar();
          try {
            return await summariseUsers({
              kind: "cascade",
              config: opts.config,
              prompt,
              userIds,
              createdBy: "cli",
              onProgress: bar.update,
            });
          } finally {
            bar.stop();
          }
        },
        { quiet: opts.json },
      );
      if (opts.json) printJson(result);
      else info(describeRun(result));
      if (result.failed > 0) process.exitCode = 2;
    });
}

function parsePromptRef(raw: string): number | "production" {
  if (raw === "production") return raw;
  const id = Number(raw);
  if (!Number.isInteger(id) || id < 1) throw new CliError("--prompt must be a prompt version id or production");
  return id;
}

async function internalIds(externalIds: string[]): Promise<number[]> {
  const { rows } = await pool().query<{ id: number; external_id: string }>(
    `SELECT id, external_id FROM users WHERE external_id = ANY($1::text[])`,
    [externalIds],
  );
  const found = new Set(rows.map((r) => r.external_id));
  const missing = externalIds.filter((id) => !found.has(id));
  if (missing.length > 0)
    throw new CliError(`unknown user${missing.length > 1 ? "s" : ""}: ${missing.slice(0, 10).join(", ")}`);
  return rows.map((r) => r.id);
}

/** A bar over the partitions that need work, on stderr when it is a terminal. */
export function progressBar(label = "summarise"): { update: (p: CascadeProgress) => void; stop: () => void } {
  const bar = terminalBar(
    `${label} [{bar}] {value}/{total} partitions | users {users} | calls {calls} | cache {hits} | failed {failed} | ETA {eta_formatted}`,
  );
  if (!bar) return { update: () => {}, stop: () => {} };
  let started = false;
  return {
    update: (p) => {
      const payload = { users: `${p.usersDone}/${p.usersTotal}`, calls: p.calls, hits: p.cacheHits, failed: p.failed };
      if (!started) {
        started = true;
        bar.start(Math.max(p.partitionsTotal, 0), p.partitionsDone, payload);
      } else bar.update(p.partitionsDone, payload);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

export function describeRun(r: SummariseRunResult): string {
  const n = (v: number) => v.toLocaleString("en");
  return [
    `${r.failed > 0 ? "finished with failures" : "summarised"}: run #${r.runId}, ${n(r.users)} users, ${n(r.partitions)} partitions, ${(r.durationMs / 1000).toFixed(1)} s`,
    `  LLM calls       ${n(r.calls)}  (${n(r.retries)} retries)`,
    `  cache hits      ${n(r.cacheHits)}`,
    `  already done    ${n(r.skipped)}`,
    `  failed          ${n(r.failed)}${r.failed > 0 ? "  (see the run's traces: GET /api/llm-runs, /api/llm-calls/{id})" : ""}`,
    `  waiting         ${n(r.blocked)}${r.blocked > 0 ? "  (behind a failed earlier partition of the same user; run again once it succeeds)" : ""}`,
    ...(r.error ? [`  first error     ${r.error}`] : []),
    `  tokens          ${n(r.promptTokens)} prompt, ${n(r.completionTokens)} completion`,
    `  cost            $${r.costUsd.toFixed(4)}`,
  ].join("\n");
}

// ---------------------------------------------------------------------------------------
// After `liber import`: the pipeline's follow-up of what the import sealed runs before the command ends.

export interface WithSummaries {
  /** The follow-up job over the newly sealed partitions; null when nothing needed it; undefined when skipped. */
  followUp?: JobRunView | null;
}

/** Runs the follow-up job of an import here (unless --no-summarise or the import failed), with a progress bar. */
export async function summariseAfterImport<T extends { status: string; partitions?: { sealed: number } }>(
  summary: T,
  flags: { summarise?: boolean },
): Promise<T & WithSummaries> {
  if (flags.summarise === false || summary.status !== "succeeded") return summary;
  const bar = progressBar("summarise");
  try {
    const run = await enqueueIngestFollowUp(
      { sealed: summary.partitions?.sealed ?? 1 },
      { noWake: true, createdBy: "cli" },
    );
    if (!run) return { ...summary, followUp: null };
    const done = await runToEnd(run.id, {
      onProgress: (r) =>
        bar.update({
          usersDone: r.progress.usersDone,
          usersTotal: r.progress.usersTotal,
          partitionsDone: r.progress.partitionsDone,
          partitionsTotal: r.progress.partitionsTotal,
          calls: r.progress.calls,
          cacheHits: r.progress.cacheHits,
          failed: r.progress.failedCalls,
        }),
    });
    return { ...summary, followUp: done };
  } catch (err) {
    // The import is committed: report the problem without failing the import.
    bar.stop();
    info(
      `summaries: not computed (${err instanceof Error ? err.message : String(err)}); retry with \`liber recompute --steps summarise\``,
    );
    return summary;
  } finally {
    bar.stop();
    await stopQueue();
  }
}

export function printImportSummaries(s: WithSummaries): void {
  if (s.followUp === undefined) return;
  if (s.followUp === null) info("summaries: nothing newly sealed to summarise");
  else info(describeJobRun(s.followUp));
}
