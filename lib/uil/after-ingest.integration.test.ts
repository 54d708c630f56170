import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/db";
import { pool } from "../db/client";
import { startTestLlmServer, type TestLlmServer } from "../llm/test-server";
import { ingest } from "../partitions/test-helpers";
import { backgroundSummariesIdle, disableBackgroundSummaries, enableBackgroundSummaries, summariseAfterIngest } from "./after-ingest";
import { getUserSummaries } from "./service";
import { activateCountConfig, chatRequests, insertTestItems, partitionCount, testProvider, userEvents, validAnswers } from "./test-helpers";

// Incremental cost: after ingestion (POST /api/behaviors' path), exactly the newly sealed
// partitions reach the LLM, counted as requests to the OpenAI-wire server started here.

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
  disableBackgroundSummaries();
  await server?.close();
});

const requests = () => chatRequests(server).length;
const ingestRuns = async () =>
  (await pool().query<{ n: number }>(`SELECT count(*)::int AS n FROM llm_runs WHERE kind = 'ingest'`)).rows[0]!.n;

describe("summaries after ingestion", () => {
  it("makes as many LLM calls as partitions were newly sealed, in the background, and none when the same stream is replayed", async () => {
    const provider = testProvider(server);
    enableBackgroundSummaries({ provider });
    const streams = [userEvents("a", 15), userEvents("b", 9, 300), userEvents("c", 3, 600)];
    // Three deliveries, each continuing every user's stream in time order.
    const chunks = [0, 1, 2].map((part) => streams.flatMap((s) => s.slice(Math.floor((s.length * part) / 3), Math.floor((s.length * (part + 1)) / 3))));

    let sealedTotal = 0;
    let runs = 0;
    for (const chunk of chunks) {
      const sealedBefore = await partitionCount(configId);
      const before = requests();
      await ingest(chunk);
      await backgroundSummariesIdle();
      const newlySealed = (await partitionCount(configId)) - sealedBefore;
      expect(requests() - before).toBe(newlySealed);
      sealedTotal += newlySealed;
      if (newlySealed > 0) runs++;
    }
    expect(sealedTotal).toBe(Math.floor(15 / K) + Math.floor(9 / K));
    expect(await ingestRuns()).toBe(runs);

    const before = requests();
    const replay = await ingest(streams.flat());
    expect(replay).toMatchObject({ accepted: 0, duplicate: 27 });
    await backgroundSummariesIdle();
    expect(requests()).toBe(before);
    expect(await ingestRuns()).toBe(runs);

    const view = await getUserSummaries("a", {}, { provider });
    expect(view.summaries.map((s) => [s.status, s.stale])).toEqual([
      ["ok", false],
      ["ok", false],
      ["ok", false],
    ]);
    disableBackgroundSummaries();
  });

  it("does nothing in the background unless the server enabled it; the CLI path summarises synchronously", async () => {
    const provider = testProvider(server);
    const sealedBefore = await partitionCount(configId);
    const before = requests();
    await ingest(userEvents("d", 2 * K, 900));
    await backgroundSummariesIdle();
    expect(requests()).toBe(before);
    const newlySealed = (await partitionCount(configId)) - sealedBefore;
    expect(newlySealed).toBe(2);

    const result = await summariseAfterIngest({ sealed: newlySealed }, {}, { provider });
    expect(result).toMatchObject({ calls: newlySealed, failed: 0, users: 1 });
    expect(requests() - before).toBe(newlySealed);
    expect(await summariseAfterIngest({}, {}, { provider })).toBeNull(); // nothing pending
    expect(await summariseAfterIngest({ sealed: 0 }, {}, { provider })).toBeNull();
  });
});
