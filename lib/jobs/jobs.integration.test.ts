import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/db";
import { pool } from "../db/client";
import { reply, startTestLlmServer, type TestLlmServer } from "../llm/test-server";
import { ingest } from "../partitions/test-helpers";
import { savePrices } from "../summaries/settings";
import {
  activateCountConfig,
  chatRequests,
  ingestAndPartition,
  insertTestItems,
  testProvider,
  userEvents,
  validAnswers,
} from "../summaries/test-helpers";
import { installIngestFollowUps, runToEnd } from "./follow-up";
import { stopQueue } from "./queue";
import {
  cancelJobRun,
  createJobRun,
  estimateRequest,
  getJobRun,
  listJobItems,
  resumeJobRun,
  retryJobItems,
} from "./runs";
import { closeStaleImports, startWorker } from "./worker";

// The job queue end to end on a real PostgreSQL: runs over users, content-keyed steps (a
// repeat costs nothing), the race rule, cost cap with pause and resume, cancel, retries, and
// the ingest follow-up through pg-boss and a worker. LLM calls go to the OpenAI-wire test server.

useTestDatabase();

const K = 4;
let configId: number;
let server: TestLlmServer;

beforeAll(async () => {
  server = await startTestLlmServer({ fallback: validAnswers });
  await insertTestItems();
  configId = await activateCountConfig(K);
  // 6 users, 3 partitions each (12 events, K = 4)
  await ingestAndPartition(Array.from({ length: 6 }, (_, u) => userEvents(`u${u}`, 12, u * 50)).flat(), configId);
});
afterAll(async () => {
  await stopQueue();
  await server?.close();
});

const requests = () => chatRequests(server).length;
const summaries = async (status = "ok") =>
  (
    await pool().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM partition_summaries WHERE config_id = $1 AND status = $2`,
      [configId, status],
    )
  ).rows[0]!.n;

describe("job runs", () => {
  it("estimates, runs every user's steps once, and a repeat over the same versions costs nothing", async () => {
    const provider = testProvider(server);
    const request = { scope: { users: ["u0", "u1", "u2"] }, steps: ["summarise" as const, "encode" as const] };
    const estimate = await estimateRequest(request, { provider });
    expect(estimate).toMatchObject({ users: 3, partitions: 9, alreadyDone: 0, cacheHits: 0, toSummarise: 9 });
    expect(estimate.promptTokens).toBeGreaterThan(0);

    const before = requests();
    const run = await createJobRun(request, { noWake: true, createdBy: "test" }, { provider });
    expect(run.status).toBe("queued");
    const done = await runToEnd(run.id, { overrides: { provider } });
    expect(done.status).toBe("done");
    expect(done.progress).toMatchObject({
      usersDone: 3,
      usersTotal: 3,
      partitionsDone: 9,
      partitionsTotal: 9,
      calls: 9,
      cacheHits: 0,
    });
    expect(requests() - before).toBe(9);
    expect(await summaries()).toBe(9);
    // The encode step is a declared no-op until UIF is merged, and the run says so.
    // The encode step is lib/uif's: the new summaries got vectors (no note: it ran).
    expect(done.notes).toEqual([]);
    const { rows: vectors } = await pool().query<{ n: number }>(
      `SELECT count(DISTINCT (user_id, seq))::int AS n FROM uif_partition_vectors`,
    );
    expect(vectors[0]!.n).toBe(9);

    const again = await estimateRequest(request, { provider });
    expect(again).toMatchObject({ alreadyDone: 9, toSummarise: 0 });
    const repeat = await createJobRun(request, { noWake: true }, { provider });
    const repeated = await runToEnd(repeat.id, { overrides: { provider } });
    expect(repeated.status).toBe("done");
    expect(repeated.progress.calls).toBe(0);
    expect(requests() - before).toBe(9);
    expect(await summaries()).toBe(9);
  });

  it("refuses a second active run over the same users and versions, with the reason", async () => {
    const provider = testProvider(server);
    const request = { scope: { users: ["u3"] }, steps: ["summarise" as const] };
    const first = await createJobRun(request, { noWake: true }, { provider });
    await expect(createJobRun(request, { noWake: true }, { provider })).rejects.toThrow(
      new RegExp(`Run #${first.id} over the same users and versions is queued`),
    );
    await cancelJobRun(first.id);
    expect((await getJobRun(first.id)).status).toBe("cancelled");
  });

  it("pauses before the cost cap would be exceeded, and finishes after the cap is raised", async () => {
    // 120 prompt + 60 completion tokens per answer at $10/M in, $20/M out: $0.0024 per call.
    await savePrices([{ provider: "openai", model: "gpt-4o-mini", inputPerMTok: 10, outputPerMTok: 20 }]);
    const provider = testProvider(server, { maxTokens: 100 });
    const request = { scope: { users: ["u3", "u4"] }, steps: ["summarise" as const], costCapUsd: 0.01 };
    const before = requests();
    const run = await createJobRun(request, { noWake: true }, { provider, params: { maxTokens: 100 } });
    const paused = await runToEnd(run.id, { overrides: { provider, params: { maxTokens: 100 } }, concurrency: 1 });
    expect(paused.status).toBe("paused");
    expect(paused.pauseReason).toMatch(/cost cap \$0\.01 reached/);
    expect(paused.progress.costUsd).toBeLessThanOrEqual(0.01);
    const calls = requests() - before;
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThan(6);
    expect(paused.progress.calls).toBe(calls);

    await expect(resumeJobRun(run.id, paused.progress.costUsd / 2)).rejects.toThrow(
      /must be above what the run has spent/,
    );
    await resumeJobRun(run.id, 1);
    const done = await runToEnd(run.id, { overrides: { provider, params: { maxTokens: 100 } } });
    expect(done.status).toBe("done");
    expect(requests() - before).toBe(6); // nothing paid twice
    expect(done.progress.calls).toBe(6);
    expect(done.progress.costUsd).toBeCloseTo(6 * 0.0024, 6);
    await savePrices([]);
  });

  it("shows a rate-limited or failing user as retrying, never failed, and finishes once the server recovers", async () => {
    const provider = testProvider(server, {
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 10 },
    });
    const before = requests();
    const okBefore = await summaries("ok");
    server.enqueue(reply.serverError(500), reply.rateLimited({ retryAfter: "30" }));
    const run = await createJobRun({ scope: { users: ["u5"] }, steps: ["summarise"] }, { noWake: true }, { provider });
    // One drain: the user's first call fails with a server error, so the user is retrying.
    const { drainRun } = await import("./worker");
    await drainRun(run.id, { overrides: { provider }, wake: false });
    const retrying = await getJobRun(run.id);
    expect(retrying.status).toBe("retrying");
    expect(retrying.progress.usersRetrying).toBe(1);
    const [item] = await listJobItems(run.id);
    expect(item).toMatchObject({ status: "retrying", errorKind: "http" });
    expect(item!.error).toMatch(/will retry/);

    await retryJobItems(run.id); // due now instead of after the backoff
    const done = await runToEnd(run.id, { overrides: { provider } });
    expect(done.status).toBe("done");
    expect(done.progress.failedCalls).toBe(2);
    expect(requests() - before).toBe(2 + 3);
    expect((await summaries("ok")) - okBefore).toBe(3);
  });

  it("queues the pipeline's follow-up after an ingest, and a worker runs it through pg-boss", async () => {
    const provider = testProvider(server);
    const uninstall = installIngestFollowUps({ provider });
    const worker = await startWorker({ overrides: { provider }, slots: 1 });
    try {
      const before = requests();
      await ingest(userEvents("fresh", 8, 700)); // seals 2 partitions
      const run = await waitFor(async () => {
        const { rows } = await pool().query<{ id: number }>(
          `SELECT id FROM job_runs WHERE kind = 'ingest' ORDER BY id DESC LIMIT 1`,
        );
        if (!rows[0]) return null;
        const r = await getJobRun(rows[0].id);
        return r.status === "done" ? r : null;
      });
      expect(run.progress).toMatchObject({ usersDone: 1, calls: 2 });
      expect(requests() - before).toBe(2);
    } finally {
      uninstall();
      await worker.stop();
    }
  });
});

describe("claim order", () => {
  it("claims the users with the most partitions to summarise first (longest cascades start first)", async () => {
    // 1, 5 and 2 partitions (K = 4): a cascade is sequential, so the 5-partition user must not start last.
    await ingestAndPartition(
      [userEvents("lpt-a", 4, 900), userEvents("lpt-b", 20, 1000), userEvents("lpt-c", 8, 1100)].flat(),
      configId,
    );
    const provider = testProvider(server);
    const run = await createJobRun(
      { scope: { users: ["lpt-a", "lpt-b", "lpt-c"] }, steps: ["summarise"] },
      { noWake: true },
      { provider },
    );
    const planned = Object.fromEntries((await listJobItems(run.id)).map((i) => [i.user, i.partitionsTotal]));
    expect(planned).toEqual({ "lpt-a": 1, "lpt-b": 5, "lpt-c": 2 });
    // One user at a time: the order of finishing is the order of claiming.
    const done = await runToEnd(run.id, { overrides: { provider }, concurrency: 1 });
    expect(done.status).toBe("done");
    const { rows } = await pool().query<{ external_id: string }>(
      `SELECT u.external_id FROM job_run_items i JOIN users u ON u.id = i.user_id WHERE i.run_id = $1 ORDER BY i.updated_at, i.user_id`,
      [run.id],
    );
    expect(rows.map((r) => r.external_id)).toEqual(["lpt-b", "lpt-c", "lpt-a"]);
  });
});

describe("stale import runs", () => {
  it("closes an import whose process stopped writing progress, and leaves a live one alone", async () => {
    const { rows } = await pool().query<{ id: number }>(
      `INSERT INTO import_runs (source, file, started_at, heartbeat_at) VALUES
         ('csv', 'dead.csv', now() - interval '2 hours', now() - interval '1 hour'),
         ('csv', 'alive.csv', now() - interval '2 hours', now() - interval '5 seconds')
       RETURNING id`,
    );
    expect(await closeStaleImports()).toBe(1);
    const { rows: after } = await pool().query<{ id: number; status: string; error_message: string | null }>(
      `SELECT id, status::text AS status, error_message FROM import_runs WHERE id = ANY($1::int[]) ORDER BY id`,
      [rows.map((r) => r.id)],
    );
    expect(after[0]).toMatchObject({ status: "interrupted", error_message: expect.stringMatching(/^interrupted: /) });
    expect(after[1]).toMatchObject({ status: "running", error_message: null });
  });
});

async function waitFor<T>(probe: () => Promise<T | null>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 200));
  }
}
