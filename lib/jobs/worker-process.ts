import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import readline from "node:readline";

/**
 * The worker that `liber start` runs, in a child process: `liber worker` forked from the same
 * entry (bin/liber.mjs), so the built-in summariser and the jobs' database work never run on
 * the web server's event loop (pages do not stall during a recomputation). The child gets the
 * database URL the server selected (the embedded PostgreSQL's included) and an IPC channel: when
 * the server dies, even by kill -9, the channel closes and the child stops (its users in flight
 * are finished or taken over by others after LIBER_JOBS_STALE_SECONDS). A child that exits on
 * its own is restarted, with a growing delay while it keeps failing.
 */

const ENTRY = path.resolve(import.meta.dirname, "..", "..", "bin", "liber.mjs");
/** How long stop() lets the child finish its users in flight before it is killed. */
const STOP_GRACE_MS = 30_000;
/** A child that ran this long was healthy: the next restart waits the shortest delay again. */
const HEALTHY_MS = 60_000;

export interface WorkerProcessOptions {
  /** The database the child works on (exported as DATABASE_URL in its environment). */
  databaseUrl: string;
  /** Lines of the child's output, and the supervisor's own notes. */
  log: (line: string) => void;
  /** Extra environment of the child. */
  env?: Record<string, string>;
  /** Restart delays: first and longest (ms). */
  restartDelayMs?: { first: number; max: number };
}

export interface WorkerProcess {
  /** The running child's pid, null between a crash and its restart. */
  readonly pid: number | null;
  /** Children started so far (1 + restarts). */
  readonly starts: number;
  /** Resolves once the (current) child waits for jobs. */
  ready(): Promise<void>;
  /** SIGTERM, then waits for the child to finish its users in flight (SIGKILL after a grace period). */
  stop(): Promise<void>;
}

export function startWorkerProcess(opts: WorkerProcessOptions): WorkerProcess {
  const delays = opts.restartDelayMs ?? { first: 1000, max: 30_000 };
  let child: ChildProcess | null = null;
  let stopping = false;
  let starts = 0;
  let delay = delays.first;
  let restartTimer: NodeJS.Timeout | null = null;
  let readyWaiters: (() => void)[] = [];
  let isReady = false;
  let exited: Promise<void> = Promise.resolve();

  const spawnChild = () => {
    restartTimer = null;
    if (stopping) return;
    starts++;
    isReady = false;
    const startedAt = Date.now();
    const c = fork(ENTRY, ["worker"], {
      env: { ...process.env, ...opts.env, DATABASE_URL: opts.databaseUrl, LIBER_WORKER_CHILD: "1" },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      // The child's own flags only (a parent started with --inspect must not pass it on).
      execArgv: [],
    });
    child = c;
    for (const stream of [c.stdout, c.stderr]) {
      if (!stream) continue;
      readline.createInterface({ input: stream }).on("line", (line) => {
        if (!isReady && line.includes("waiting for jobs")) {
          isReady = true;
          for (const w of readyWaiters.splice(0)) w();
        }
        if (line.trim()) opts.log(`worker[${c.pid}]: ${line}`);
      });
    }
    exited = new Promise<void>((resolve) => {
      c.once("exit", (code, signal) => {
        if (child === c) child = null;
        resolve();
        if (stopping) return;
        if (Date.now() - startedAt >= HEALTHY_MS) delay = delays.first;
        opts.log(
          `jobs: the worker process exited (${signal ?? `code ${code}`}); restarting it in ${Math.round(delay / 100) / 10} s`,
        );
        restartTimer = setTimeout(spawnChild, delay);
        restartTimer.unref();
        delay = Math.min(delays.max, delay * 2);
      });
    });
    c.on("error", (err) => opts.log(`jobs: worker process: ${err.message}`));
  };
  spawnChild();

  return {
    get pid() {
      return child?.pid ?? null;
    },
    get starts() {
      return starts;
    },
    ready: () => (isReady ? Promise.resolve() : new Promise<void>((resolve) => readyWaiters.push(resolve))),
    stop: async () => {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      readyWaiters = [];
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const killer = setTimeout(() => c.kill("SIGKILL"), STOP_GRACE_MS);
      c.kill("SIGTERM");
      await exited;
      clearTimeout(killer);
    },
  };
}
