import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import { performance } from "node:perf_hooks";
import path from "node:path";
import { pool } from "../db/client";
import { DEMO_DATASET_DIR } from "../datasets/demo";
import { importMovieLens } from "../datasets/movielens";
import { OpenAiProvider } from "../llm";
import { reply, startTestLlmServer } from "../llm/test-server";
import { runToEnd } from "../jobs/follow-up";
import { stopQueue } from "../jobs/queue";
import { createJobRun, getJobRun } from "../jobs/runs";
import type { JobRunView } from "../jobs/types";
import { BenchOptionError, positiveInt, withScratchDatabase, type BenchTarget } from "./target";

/**
 * `liber bench jobs`: the job queue on a fresh temporary database with the demo data.
 * (a) A full summarisation of every user with the built-in provider, worked by 1 and then 2
 *     `liber worker` processes (the caches are emptied between the two, so both do all the
 *     work): users per second from the run's first claim to its end, and the speed-up.
 * (b) A run against an OpenAI-wire test server that answers every call in 200 ms, with LLM
 *     concurrency 16: calls per second against the bound 16 / 0.2 s = 80 calls/s.
 */

const ROOT = path.resolve(import.meta.dirname, "..", "..");

export interface JobsBenchResult {
  dataset: string;
  users: number;
  partitions: number;
  scaleOut: {
    workers: number;
    users: number;
    partitions: number;
    seconds: number;
    usersPerSec: number;
    partitionsPerSec: number;
    /**
     * CPU seconds used while the run went on (from the start of the run to its end, /proc):
     * each worker process, and the PostgreSQL server (all its processes). On an idle machine
     * with C cores the run cannot take less than (sum of these) / C seconds.
     */
    cpu: { workers: number[]; database: number };
    /** Workers' database sessions by state (active on CPU, idle in transaction, waiting for a lock...), mean count. */
    databaseSessions: Record<string, number>;
    /** Per worker process: partitions it summarised, and its first and last write (seconds after the run started). */
    byWorker: { partitions: number; firstSeconds: number | null; lastSeconds: number | null }[];
  }[];
  speedUp: number | null;
  latency: null | {
    delayMs: number;
    concurrency: number;
    calls: number;
    seconds: number;
    callsPerSec: number;
    boundCallsPerSec: number;
    ratio: number;
    /** Highest number of requests the test server saw at once (must not exceed the concurrency). */
    maxInFlight: number;
    /** Calls in flight at the test server, mean of samples every 20 ms over the run. */
    meanInFlight: number;
    /** Calls of the user with the most partitions: a cascade is sequential, so the run takes at least this x delay. */
    longestChain: number;
    /** The highest ratio this data allows: calls / max(calls / bound, longestChain x delay) / bound. */
    dataBoundRatio: number;
    /** Bare provider calls per second on this machine at the same moment (the ceiling the job can reach here). */
    referenceCallsPerSec: number;
    ratioToReference: number;
    goal: number;
    met: boolean;
  };
  machine: { cpus: number; loadAverage: number[] };
}

export const jobsBenchTarget: BenchTarget<JobsBenchResult> = {
  name: "jobs",
  description:
    "the job queue: full recomputation of the demo data with the built-in provider on 1 and 2 worker processes (users/s, speed-up), " +
    "and calls/s against a 200 ms test LLM server at concurrency 16 versus the 80 calls/s bound",
  configure: (cmd) =>
    cmd
      .option("--dataset <dir>", "a MovieLens folder", DEMO_DATASET_DIR)
      .option("--calls <n>", "LLM calls of the latency measure (at least)", "640")
      .option("--delay-ms <n>", "the test server's answer time", "200")
      .option("--concurrency <n>", "LLM concurrency of the latency measure", "16")
      .option("--only <part>", "scale-out or latency (default both)"),
  run: async (opts, log) => {
    const calls = int(opts.calls, "--calls");
    const delayMs = int(opts.delayMs, "--delay-ms");
    const concurrency = int(opts.concurrency, "--concurrency");
    const only = opts.only === undefined ? null : String(opts.only);
    if (only !== null && only !== "scale-out" && only !== "latency")
      throw new BenchOptionError("--only must be scale-out or latency");
    return withScratchDatabase(log, async () => {
      try {
        return await runJobsBench({ dataset: String(opts.dataset), calls, delayMs, concurrency, only, log });
      } finally {
        await stopQueue();
      }
    });
  },
  describe: (r) => {
    const n = (v: number) => v.toLocaleString("en");
    return [
      `jobs benchmark (${r.dataset}: ${n(r.users)} users, ${n(r.partitions)} partitions; ${r.machine.cpus} CPUs, load ${r.machine.loadAverage.join(" ")})`,
      ...r.scaleOut.map(
        (s) =>
          `  ${s.workers} worker process${s.workers > 1 ? "es" : ""}  ${n(s.usersPerSec)} users/s, ${n(s.partitionsPerSec)} partitions/s (${s.seconds} s; ` +
          `CPU s: worker${s.workers > 1 ? "s" : ""} ${s.cpu.workers.join(" + ")}, PostgreSQL ${s.cpu.database}; ` +
          `partitions per worker ${s.byWorker.map((w) => `${w.partitions} (${w.firstSeconds}-${w.lastSeconds} s)`).join(", ")})\n` +
          `      database sessions (mean): ${Object.entries(s.databaseSessions)
            .map(([k, v]) => `${k} ${v}`)
            .join(", ")}`,
      ),
      ...(r.speedUp !== null ? [`  speed-up       ${r.speedUp}x with 2 processes`] : []),
      ...(r.latency
        ? [
            `  ${r.latency.delayMs} ms LLM     ${r.latency.callsPerSec} calls/s at concurrency ${r.latency.concurrency} (${n(r.latency.calls)} calls in ${r.latency.seconds} s); ` +
              `bound ${r.latency.boundCallsPerSec}/s; at most ${r.latency.maxInFlight} in flight, ${r.latency.meanInFlight} on average; ratio ${r.latency.ratio} (goal >= ${r.latency.goal}: ${r.latency.met ? "met" : "NOT met"})`,
            `  data           longest user chain ${r.latency.longestChain} calls: at most ${r.latency.dataBoundRatio} of the bound is reachable`,
            `  reference      bare provider calls, same server: ${r.latency.referenceCallsPerSec}/s; the job reaches ${r.latency.ratioToReference} of it`,
          ]
        : []),
    ].join("\n");
  },
};

async function runJobsBench(o: {
  dataset: string;
  calls: number;
  delayMs: number;
  concurrency: number;
  only: string | null;
  log: (l: string) => void;
}): Promise<JobsBenchResult> {
  const { log } = o;
  log("bench: importing the demo data");
  const imported = await importMovieLens(o.dataset, {});
  if (imported.status !== "succeeded") throw new Error(`import failed: ${imported.errorMessage}`);
  const { rows: counts } = await pool().query<{ users: number; partitions: number }>(
    `SELECT (SELECT count(DISTINCT user_id)::int FROM partitions) AS users, (SELECT count(*)::int FROM partitions) AS partitions`,
  );
  const { users, partitions } = counts[0]!;

  const scaleOut: JobsBenchResult["scaleOut"] = [];
  for (const workers of o.only === "latency" ? [] : [1, 2]) {
    await forgetSummaries();
    log(`bench: full recomputation with the built-in provider on ${workers} worker process(es)`);
    const procs = await Promise.all(
      Array.from({ length: workers }, () => startWorkerProcess({ LIBER_LLM_PROVIDER: "builtin" })),
    );
    try {
      const postmaster = await postmasterPid();
      const cpu0 = { workers: procs.map((p) => cpuSeconds(p.pid!)), db: treeCpuSeconds(postmaster) };
      const run = await createJobRun({ scope: { all: true }, steps: ["summarise"] }, { createdBy: "bench" });
      const waits = new Map<string, number>();
      let waitSamples = 0;
      const sampling = sampleWaits(waits, () => waitSamples++);
      const done = await waitDone(run.id).finally(() => sampling.stop());
      await sampling.done;
      const seconds = elapsed(done);
      const workerCpu = procs.map((p, i) => round(cpuSeconds(p.pid!) - cpu0.workers[i]!, 1));
      // Who did the work: partitions summarised per worker process, and when each started and stopped (s after the run's start).
      const { rows: shares } = await pool().query<{ pid: number; partitions: number; first: number; last: number }>(
        `SELECT r.owner_pid AS pid, count(*)::int AS partitions,
                extract(epoch FROM min(c.created_at) - $2::timestamptz)::float8 AS first,
                extract(epoch FROM max(c.created_at) - $2::timestamptz)::float8 AS last
         FROM llm_calls c JOIN llm_runs r ON r.id = c.run_id WHERE r.created_by = $1 GROUP BY r.owner_pid`,
        [`job:${run.id}`, done.startedAt],
      );
      scaleOut.push({
        workers,
        users: done.progress.usersDone,
        partitions: done.progress.partitionsDone,
        seconds: round(seconds, 2),
        usersPerSec: round(done.progress.usersDone / seconds, 1),
        partitionsPerSec: round(done.progress.partitionsDone / seconds, 1),
        cpu: { workers: workerCpu, database: round(treeCpuSeconds(postmaster) - cpu0.db, 1) },
        // Server processes of the workers by what they were doing, mean count over samples every 50 ms.
        databaseSessions: Object.fromEntries(
          [...waits].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, round(v / Math.max(1, waitSamples), 2)]),
        ),
        byWorker: procs.map((p) => {
          const r = shares.find((x) => x.pid === p.pid);
          return {
            partitions: r?.partitions ?? 0,
            firstSeconds: r ? round(r.first, 2) : null,
            lastSeconds: r ? round(r.last, 2) : null,
          };
        }),
      });
    } finally {
      await Promise.all(procs.map(stopProcess));
    }
  }

  const machine = { cpus: os.cpus().length, loadAverage: os.loadavg().map((l) => round(l, 2)) };
  const speedUp = scaleOut.length === 2 ? round(scaleOut[1]!.usersPerSec / scaleOut[0]!.usersPerSec, 2) : null;
  if (o.only === "scale-out")
    return { dataset: o.dataset, users, partitions, scaleOut, speedUp, latency: null, machine };
  log(`bench: ${o.delayMs} ms test LLM server at concurrency ${o.concurrency}`);
  await forgetSummaries();
  const server = await startTestLlmServer({
    fallback: (_r, i) =>
      reply.json(
        { summary: `Summary ${i}.`, shift: "Shift.", interests: [{ label: "Drama", weight: 0.5 }] },
        { delayMs: o.delayMs },
      ),
  });
  try {
    const provider = new OpenAiProvider({
      baseURL: server.baseURL,
      apiKey: "bench",
      model: "bench-model",
      maxConcurrency: o.concurrency,
      timeoutMs: 60_000,
    });
    const { rows } = await pool().query<{ external_id: string; n: number }>(
      `SELECT u.external_id, p.n::int AS n FROM (SELECT user_id, count(*) AS n, sum(count(*)) OVER (ORDER BY user_id) AS running FROM partitions GROUP BY user_id) p
       JOIN users u ON u.id = p.user_id WHERE p.running - p.n < $1 ORDER BY p.user_id`,
      [o.calls],
    );
    // Reference: the same number of bare provider calls (no queue, no database) against the same server, 2x16 callers.
    const reference = await bareProviderRate(server.baseURL, o.concurrency, o.calls);
    const run = await createJobRun(
      { scope: { users: rows.map((r) => r.external_id) }, steps: ["summarise"] },
      { noWake: true, createdBy: "bench" },
      { provider },
    );
    // Users in flight: the worker's default (twice the LLM concurrency); calls in flight stay at the provider's limit.
    // Calls in flight at the test server, sampled every 20 ms while the run works.
    const samples: number[] = [];
    const poolWaiting: number[] = [];
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const sampler = setInterval(() => {
      samples.push(server.inFlight);
      poolWaiting.push(pool().waitingCount);
    }, 20);
    const done = await runToEnd(run.id, { overrides: { provider }, concurrency: 2 * o.concurrency }).finally(() =>
      clearInterval(sampler),
    );
    const seconds = elapsed(done);
    if (process.env.LIBER_BENCH_TRACE) {
      const cpu = process.cpuUsage(cpu0);
      const elu = performance.eventLoopUtilization(elu0);
      console.error(
        `bench process during the run: cpu user ${Math.round(cpu.user / 1000)} ms, system ${Math.round(cpu.system / 1000)} ms; event loop utilisation ${elu.utilization.toFixed(2)} over ${Math.round(elu.idle + elu.active)} ms`,
      );
      console.error(`in-flight samples (20 ms): ${samples.join(",")}`);
      console.error(`queries waiting for a pool connection (20 ms): ${poolWaiting.join(",")}`);
    }
    const callsPerSec = done.progress.calls / seconds;
    if (server.maxInFlight > o.concurrency)
      throw new Error(`the LLM concurrency was exceeded: ${server.maxInFlight} requests at once`);
    const bound = o.concurrency / (o.delayMs / 1000);
    const longestChain = Math.max(...rows.map((r) => r.n));
    return {
      dataset: o.dataset,
      users,
      partitions,
      scaleOut,
      speedUp,
      latency: {
        delayMs: o.delayMs,
        concurrency: o.concurrency,
        calls: done.progress.calls,
        seconds: round(seconds, 2),
        callsPerSec: round(callsPerSec, 1),
        boundCallsPerSec: round(bound, 1),
        ratio: round(callsPerSec / bound, 3),
        maxInFlight: server.maxInFlight,
        meanInFlight: round(samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length), 2),
        longestChain,
        dataBoundRatio: round(
          done.progress.calls / Math.max(done.progress.calls / bound, (longestChain * o.delayMs) / 1000) / bound,
          3,
        ),
        referenceCallsPerSec: round(reference, 1),
        ratioToReference: round(callsPerSec / reference, 3),
        goal: 0.8,
        met: callsPerSec / bound >= 0.8,
      },
      machine,
    };
  } finally {
    await server.close();
  }
}

async function bareProviderRate(baseURL: string, concurrency: number, calls: number): Promise<number> {
  const provider = new OpenAiProvider({
    baseURL,
    apiKey: "bench",
    model: "bench-reference",
    maxConcurrency: concurrency,
    timeoutMs: 60_000,
  });
  const context = {
    profile: {},
    previous: null,
    behaviors: [{ title: "A film", categories: ["Drama"], ts: 0, kind: "rate", value: 4 }],
    timeRange: { start: 0, end: 1 },
    partitionIndex: 0,
  };
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 2 * concurrency }, async () => {
      while (next < calls) await provider.summarise({ system: "Summarise.", user: `Partition ${next++}`, context });
    }),
  );
  return calls / ((performance.now() - started) / 1000);
}

/** CPU seconds (user + system) a process has used so far; 0 when it cannot be read (not Linux). */
function cpuSeconds(pid: number, withChildren = false): number {
  try {
    // Fields after the command name: state is field 3; utime 14, stime 15, cutime 16, cstime 17.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(f[11]) + Number(f[12]) + (withChildren ? Number(f[13]) + Number(f[14]) : 0);
    return ticks / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** A process, the children it has reaped and the ones still alive (PostgreSQL: postmaster, backends, background workers). */
function treeCpuSeconds(pid: number | null): number {
  if (pid === null) return 0;
  let total = cpuSeconds(pid, true);
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) total += cpuSeconds(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** Samples pg_stat_activity every 50 ms (the workers' sessions only) until stopped. */
function sampleWaits(into: Map<string, number>, onSample: () => void): { stop(): void; done: Promise<void> } {
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const { rows } = await pool().query<{ state: string; n: number }>(
        `SELECT CASE WHEN state = 'active' AND wait_event IS NULL THEN 'active (CPU)'
                     WHEN state = 'active' THEN 'active, waiting: ' || wait_event_type || ':' || wait_event
                     ELSE coalesce(state, '?') END AS state, count(*)::int AS n
         FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
           AND application_name = 'liber-studio' AND state IS DISTINCT FROM 'idle' GROUP BY 1`,
      );
      onSample();
      for (const r of rows) into.set(r.state, (into.get(r.state) ?? 0) + r.n);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return { stop: () => void (stopped = true), done };
}

/** The scratch server's postmaster: the parent of our backend. */
async function postmasterPid(): Promise<number | null> {
  const { rows } = await pool().query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`);
  try {
    const status = fs.readFileSync(`/proc/${rows[0]!.pid}/status`, "utf8");
    return Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? NaN) || null;
  } catch {
    return null;
  }
}

const CLOCK_TICKS = 100;

/** Empties summaries, answers cache and traces, so the next run does all the work again. */
async function forgetSummaries(): Promise<void> {
  await pool().query(`TRUNCATE partition_summaries, llm_cache, llm_calls, llm_runs, job_run_items, job_runs CASCADE`);
}

function elapsed(run: JobRunView): number {
  if (run.status !== "done" || !run.startedAt || !run.finishedAt)
    throw new Error(`run #${run.id} ended ${run.status}: ${run.error ?? ""}`);
  return (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;
}

async function waitDone(id: number): Promise<JobRunView> {
  for (;;) {
    const run = await getJobRun(id);
    if (run.status !== "queued" && run.status !== "running" && run.status !== "retrying") return run;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A `liber worker` process on this database, resolved once it waits for jobs. */
function startWorkerProcess(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(ROOT, "bin", "liber.mjs"), "worker"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: process.env.DATABASE_URL, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let output = "";
    child.stderr!.on("data", (d: Buffer) => {
      output += d.toString();
      if (output.includes("waiting for jobs")) resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`worker exited (${code}) before it was ready:\n${output}`)));
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
const int = positiveInt;
