import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/db";
import { activateCountConfig, ingestAndPartition, insertTestItems, userEvents } from "../summaries/test-helpers";
import { stopQueue } from "./queue";
import { createJobRun, getJobRun } from "./runs";
import { startWorkerProcess, type WorkerProcess } from "./worker-process";

// The worker `liber start` runs in a child process (worker-process.ts): it works the queue on
// the database it is handed, is restarted after a kill -9, stops cleanly, and stops on its
// own when the process that forked it dies.

const dbUrl = useTestDatabase();
const ROOT = path.resolve(import.meta.dirname, "..", "..");
const lines: string[] = [];
let worker: WorkerProcess | null = null;

beforeAll(async () => {
  await insertTestItems();
  const configId = await activateCountConfig(4);
  await ingestAndPartition(Array.from({ length: 6 }, (_, u) => userEvents(`p${u}`, 12, u * 30)).flat(), configId);
});
afterAll(async () => {
  await worker?.stop();
  await stopQueue();
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until<T>(what: string, probe: () => Promise<T | null> | T | null, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== null && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${lines.join("\n")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the server's worker process", () => {
  it("works runs, comes back after a kill -9, and stops cleanly", async () => {
    worker = startWorkerProcess({
      databaseUrl: dbUrl(),
      log: (l) => lines.push(l),
      env: { LIBER_LLM_PROVIDER: "builtin" },
      restartDelayMs: { first: 200, max: 1000 },
    });
    await worker.ready();
    const first = worker.pid!;
    expect(first).not.toBe(process.pid);

    const run = await createJobRun({ scope: { all: true }, steps: ["summarise"] });
    const done = await until("the run", async () => {
      const r = await getJobRun(run.id);
      return r.status === "done" ? r : null;
    });
    expect(done.progress).toMatchObject({ usersDone: 6, partitionsDone: 18 });

    process.kill(first, "SIGKILL");
    await until("a restart", () => (worker!.pid !== null && worker!.pid !== first ? true : null));
    await worker.ready();
    expect(worker.starts).toBe(2);
    expect(lines.join("\n")).toContain("restarting it");

    const second = worker.pid!;
    await worker.stop();
    expect(alive(second)).toBe(false);
    expect(lines.join("\n")).toContain("stopping: finishing the users in flight");
    // The orderly stop ran to its end (async-exit-hook used to exit with 143 at the signal).
    expect(lines.join("\n")).toContain("worker stopped");
    worker = null;
  }, 180_000);

  it("stops when the process that forked it is killed", async () => {
    // A parent process that forks the worker, prints its pid, then waits to be killed.
    const script = `
      const { startWorkerProcess } = await import(${JSON.stringify(path.join(ROOT, "lib/jobs/worker-process.ts"))});
      const w = startWorkerProcess({ databaseUrl: process.env.DATABASE_URL, log: () => {} });
      await w.ready();
      process.stdout.write("child " + w.pid + "\\n");
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: dbUrl(), LIBER_LLM_PROVIDER: "builtin" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    parent.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const childPid = await until("the child's pid", () => {
      const m = /child (\d+)/.exec(out);
      return m ? Number(m[1]) : null;
    });
    expect(alive(childPid)).toBe(true);
    parent.kill("SIGKILL");
    await until("the orphaned worker to stop", () => (alive(childPid) ? null : true), 30_000);
  }, 120_000);
});
