import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/db";
import { pool } from "../db/client";
import { startTestLlmServer, type TestLlmServer } from "../llm/test-server";
import { ingest } from "../partitions/test-helpers";
import {
  activateCountConfig,
  chatRequests,
  insertTestItems,
  partitionCount,
  testProvider,
  userEvents,
  validAnswers,
} from "../summaries/test-helpers";
import { getUserSummaries } from "../summaries/service";
import { enqueueIngestFollowUp, runToEnd } from "./follow-up";
import { stopQueue } from "./queue";

// Incremental cost through the one pipeline: after ingestion (POST /api/behaviors' path),
// the follow-up job sends exactly the newly sealed partitions to the LLM, counted as requests
// to the OpenAI-wire server started here; replaying the same events sends nothing.

useTestDatabase();

const K = 4;
let configId: number;
let server: TestLlmServer;

beforeAll(async () => {
  server = await startTestLlmServer({ fallback: validAnswers });
  await insertTestItems();
  configId = await activateCountConfig(K);
});
afterAll(async () => {
  await stopQueue();
  await server?.close();
});

const requests = () => chatRequests(server).length;

describe("the follow-up of an ingest", () => {
  it("makes as many LLM calls as partitions were newly sealed, and none when the same stream is replayed", async () => {
    const provider = testProvider(server);
    const streams = [userEvents("a", 15), userEvents("b", 9, 300), userEvents("c", 3, 600)];
    const chunks = [0, 1, 2].map((part) =>
      streams.flatMap((s) => s.slice(Math.floor((s.length * part) / 3), Math.floor((s.length * (part + 1)) / 3))),
    );

    let sealedTotal = 0;
    let runs = 0;
    for (const chunk of chunks) {
      const sealedBefore = await partitionCount(configId);
      const before = requests();
      await ingest(chunk);
      const newlySealed = (await partitionCount(configId)) - sealedBefore;
      const run = await enqueueIngestFollowUp({ sealed: newlySealed }, { noWake: true }, { provider });
      if (newlySealed === 0) expect(run).toBeNull();
      else {
        runs++;
        const done = await runToEnd(run!.id, { overrides: { provider } });
        expect(done).toMatchObject({ kind: "ingest", status: "done" });
        expect(done.progress.calls).toBe(newlySealed);
      }
      expect(requests() - before).toBe(newlySealed);
      sealedTotal += newlySealed;
    }
    expect(sealedTotal).toBe(Math.floor(15 / K) + Math.floor(9 / K));

    const before = requests();
    const replay = await ingest(streams.flat());
    expect(replay).toMatchObject({ accepted: 0, duplicate: 27 });
    expect(await enqueueIngestFollowUp({ sealed: 0 }, { noWake: true }, { provider })).toBeNull();
    expect(await enqueueIngestFollowUp({ sealed: 1 }, { noWake: true }, { provider })).toBeNull(); // nothing pending
    expect(requests()).toBe(before);

    const view = await getUserSummaries("a", {}, { provider });
    expect(view.summaries.map((s) => [s.status, s.stale])).toEqual([
      ["ok", false],
      ["ok", false],
      ["ok", false],
    ]);
    const { rows } = await pool().query<{ n: number }>(`SELECT count(*)::int AS n FROM job_runs WHERE kind = 'ingest'`);
    expect(rows[0]!.n).toBe(runs); // one run per ingest that sealed something, none for the replay
  });
});
