import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../db/free-port";
import { closeDb, pool } from "../db/client";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../db/embedded";
import { migrate } from "../db/migrate";
import { startTestLlmServer, type TestLlmServer } from "../llm/test-server";
import {
  activateCountConfig,
  ingestAndPartition,
  insertTestItems,
  summaryReply,
  testProvider,
  userEvents,
} from "../summaries/test-helpers";
import { stopQueue } from "./queue";
import { createJobRun, getJobRun } from "./runs";
import { startWorker, type RunningWorker } from "./worker";

// The database restarted in the middle of a run: the worker's pools (ours and pg-boss's)
// reconnect, users whose claims went stale are claimed again, and the run finishes with every
// result exactly once. Uses its own embedded PostgreSQL, which the test stops and starts.

process.env.LIBER_JOBS_STALE_SECONDS = "5";

const USERS = 12;
const PARTITIONS = USERS * 5;

let dir: string | undefined;
let db: EmbeddedDatabase | undefined;
let server: TestLlmServer | undefined;
let worker: RunningWorker | undefined;

afterAll(async () => {
  await worker?.stop();
  await stopQueue();
  await closeDb();
  await server?.close();
  await db?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("the database restarted mid-run", () => {
  it("workers reconnect and finish the run, every result exactly once", async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "liber-jobs-restart-"));
    fs.chmodSync(dir, 0o755);
    const port = await freePort();
    db = await startEmbeddedPostgres({ dataDir: dir, port });
    await migrate(db.url);
    process.env.DATABASE_URL = db.url;

    await insertTestItems();
    const configId = await activateCountConfig(4);
    await ingestAndPartition(Array.from({ length: USERS }, (_, u) => userEvents(`r${u}`, 20, u * 40)).flat(), configId);

    server = await startTestLlmServer({ fallback: (_r, i) => ({ ...summaryReply(i + 1), delayMs: 100 }) });
    const provider = testProvider(server, { timeoutMs: 5000 });
    const run = await createJobRun({ scope: { all: true }, steps: ["summarise"] }, { createdBy: "test" }, { provider });
    worker = await startWorker({ overrides: { provider }, concurrency: 3, slots: 1 });

    const ok = async () =>
      (
        await pool().query<{ n: number; distinct: number }>(
          `SELECT count(*)::int AS n, count(DISTINCT (user_id, seq))::int AS distinct FROM partition_summaries WHERE status = 'ok'`,
        )
      ).rows[0]!;
    const until = Date.now() + 60_000;
    while ((await ok()).n < 10) {
      if (Date.now() > until) throw new Error("no progress before the restart");
      await new Promise((r) => setTimeout(r, 50));
    }

    expect((await ok()).n).toBeLessThan(PARTITIONS); // really mid-run
    await db.stop();
    await new Promise((r) => setTimeout(r, 1500));
    db = await startEmbeddedPostgres({ dataDir: dir, port });

    const deadline = Date.now() + 90_000;
    let status = "";
    while (Date.now() < deadline) {
      try {
        status = (await getJobRun(run.id)).status;
        if (status === "done" || status === "failed") break;
      } catch {
        // the pool's first queries after the restart may still fail
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe("done");
    expect(await ok()).toEqual({ n: PARTITIONS, distinct: PARTITIONS });
    const done = await getJobRun(run.id);
    expect(done.progress.usersDone).toBe(USERS);
  }, 150_000);
});
