import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/db";
import { pool } from "../db/client";
import {
  reply,
  startTestLlmServer,
  type RecordedRequest,
  type ScriptedReply,
  type TestLlmServer,
} from "../llm/test-server";
import {
  activateCountConfig,
  ingestAndPartition,
  insertTestItems,
  summaryReply,
  userEvents,
  type ChatBody,
} from "../summaries/test-helpers";
import { stopQueue } from "./queue";
import { createJobRun, getJobRun } from "./runs";

// Faults, each with real worker processes (`liber worker`, as an operator starts them) against
// the test database and an OpenAI-wire test server started here:
// - kill -9 of a worker in the middle of a run: another worker finishes it, every partition has
//   exactly one summary, and no partition whose summary was stored before the kill is asked again;
// - an endpoint failing 30% of calls with 429 (Retry-After) or 500: the run finishes, and every
//   error answer is counted as a retry or a failed call.

const dbUrl = useTestDatabase();

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const USERS = 16;
const PER_USER = 20; // K = 4: 5 partitions each
const PARTITIONS = USERS * (PER_USER / 4);

let configId: number;
const children: ChildProcess[] = [];

beforeAll(async () => {
  await insertTestItems();
  configId = await activateCountConfig(4);
  await ingestAndPartition(
    Array.from({ length: USERS }, (_, u) => userEvents(`w${u}`, PER_USER, u * 40)).flat(),
    configId,
  );
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
});
afterAll(async () => {
  await stopQueue();
});

function startWorkerProcess(server: TestLlmServer, name: string, extraEnv: Record<string, string> = {}): ChildProcess {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, "bin", "liber.mjs"), "worker", "--slots", "1", "--concurrency", "4"],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: dbUrl(),
        LIBER_LLM_PROVIDER: "openai",
        LIBER_LLM_BASE_URL: server.baseURL,
        LIBER_LLM_API_KEY: "test-key",
        LIBER_LLM_MAX_CONCURRENCY: "4",
        // Short, to keep the test quick, but well above the 2 s heartbeat on a loaded machine.
        LIBER_JOBS_STALE_SECONDS: "10",
        LIBER_JOBS_RETRY_SECONDS: "0.5",
        ...extraEnv,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  child.on("exit", (code, signal) => {
    if (code !== 0 && signal !== "SIGKILL" && signal !== "SIGTERM" && process.env.LIBER_DEBUG)
      console.error(`[${name}] exited ${code}:\n${output}`);
  });
  children.push(child);
  return child;
}

const okSummaries = async () =>
  (
    await pool().query<{ n: number; distinct: number; failed: number }>(
      `SELECT count(*) FILTER (WHERE status = 'ok')::int AS n, count(DISTINCT (user_id, seq)) FILTER (WHERE status = 'ok')::int AS distinct,
              count(*) FILTER (WHERE status <> 'ok')::int AS failed
       FROM partition_summaries WHERE config_id = $1`,
      [configId],
    )
  ).rows[0]!;

const userMessage = (r: RecordedRequest) => (r.body as ChatBody).messages.find((m) => m.role === "user")?.content ?? "";

async function waitFor<T>(probe: () => Promise<T | null>, timeoutMs: number, what: string): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function resetSummaries(): Promise<void> {
  await pool().query(
    `DELETE FROM partition_summaries; DELETE FROM llm_cache; DELETE FROM llm_calls; DELETE FROM job_run_items; DELETE FROM job_runs`,
  );
}

describe("a worker killed with SIGKILL in the middle of a run", () => {
  it("is taken over by another worker: every result exactly once, no LLM call repeated for finished partitions", async () => {
    await resetSummaries();
    const server = await startTestLlmServer({ fallback: (_r, i) => ({ ...summaryReply(i + 1), delayMs: 150 }) });
    try {
      const run = await createJobRun({ scope: { all: true }, steps: ["summarise"] }, { createdBy: "test" });
      expect(run.estimate?.toSummarise).toBe(PARTITIONS);
      const a = startWorkerProcess(server, "A");
      await waitFor(
        async () => ((await okSummaries()).n >= 12 ? true : null),
        60_000,
        "worker A to store 12 summaries",
      );
      a.kill("SIGKILL");
      await new Promise((r) => a.once("exit", r));
      const killedAt = server.requests.length;
      const { rows: stored } = await pool().query<{ rendered_user: string }>(
        `SELECT c.rendered_user FROM partition_summaries s JOIN llm_calls c ON c.id = s.llm_call_id WHERE s.status = 'ok' AND s.config_id = $1`,
        [configId],
      );
      const storedBeforeKill = new Set(stored.map((r) => r.rendered_user));
      expect(storedBeforeKill.size).toBeGreaterThanOrEqual(12);
      expect(storedBeforeKill.size).toBeLessThan(PARTITIONS);
      expect((await getJobRun(run.id)).status).toBe("running"); // A's users still look claimed

      startWorkerProcess(server, "B");
      const done = await waitFor(
        async () => {
          const r = await getJobRun(run.id);
          return r.status === "done" || r.status === "failed" ? r : null;
        },
        90_000,
        "worker B to finish the run",
      );
      expect(done.status).toBe("done");
      expect(done.progress.usersDone).toBe(USERS);
      expect(await okSummaries()).toEqual({ n: PARTITIONS, distinct: PARTITIONS, failed: 0 });

      const askedAgain = server.requests.slice(killedAt).filter((r) => storedBeforeKill.has(userMessage(r)));
      expect(askedAgain).toEqual([]);
      // Only A's unpersisted calls could be asked twice: each of its users in flight (1 slot x 4) holds at
      // most one call that is in flight or answered and waiting for its write.
      const asked = new Map<string, number[]>();
      server.requests.forEach((r, i) => asked.set(userMessage(r), [...(asked.get(userMessage(r)) ?? []), i]));
      const twice = [...asked.values()].filter((ix) => ix.length > 1).map((ix) => ix.join("/"));
      expect(
        server.requests.length - PARTITIONS,
        `asked twice (request indexes; the kill was at ${killedAt}): ${twice.join(", ")}`,
      ).toBeLessThanOrEqual(4);
    } finally {
      await server.close();
    }
  }, 150_000);
});

describe("an LLM endpoint failing 30% of calls with 429 (Retry-After) or 500", () => {
  it("finishes the run with every result, and counts every error answer as a retry or a failed call", async () => {
    await resetSummaries();
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let errors = 0;
    const flaky = (_r: RecordedRequest, i: number): ScriptedReply => {
      const x = random();
      if (x < 0.15) {
        errors++;
        return reply.rateLimited({ retryAfter: "0.05" });
      }
      if (x < 0.3) {
        errors++;
        return reply.serverError(500);
      }
      return summaryReply(i + 1);
    };
    const server = await startTestLlmServer({ fallback: flaky });
    try {
      const run = await createJobRun({ scope: { all: true }, steps: ["summarise"] }, { createdBy: "test" });
      // Two attempts per call inside the provider, so that some calls fail and their users are retried by the job.
      startWorkerProcess(server, "flaky", { LIBER_LLM_MAX_ATTEMPTS: "2" });
      let sawRetrying = false;
      const done = await waitFor(
        async () => {
          const r = await getJobRun(run.id);
          if (r.progress.usersRetrying > 0 || r.status === "retrying") sawRetrying = true;
          return r.status === "done" || r.status === "failed" ? r : null;
        },
        120_000,
        "the run to finish",
      );
      expect(done.status).toBe("done");
      expect(await okSummaries()).toMatchObject({ n: PARTITIONS, distinct: PARTITIONS });
      expect(errors).toBeGreaterThan(10);
      expect(done.progress.retries + done.progress.failedCalls).toBe(errors);
      expect(done.progress.retries).toBeGreaterThan(0);
      expect(done.progress.usersFailed).toBe(0);
      // Calls that failed both attempts: their users were shown as retrying (never failed) and redone.
      expect(done.progress.failedCalls).toBeGreaterThan(0);
      expect(sawRetrying).toBe(true);
    } finally {
      await server.close();
    }
  }, 150_000);
});
