import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/db";
import { describeRun } from "../cli/commands/summarise";
import { pool } from "../db/client";
import { reply, startTestLlmServer, type TestLlmServer } from "../llm/test-server";
import { getUserSummaries, summariseUsers } from "./service";
import {
  activateCountConfig,
  ingestAndPartition,
  insertTestItems,
  summaryReply,
  testProvider,
  userEvents,
} from "./test-helpers";
import { listRuns } from "./traces";

/**
 * Issue 9 item 4: one failed partition leaves the rest of that user's cascade undone. Those
 * partitions are counted (run totals, the API) and shown as waiting behind the failed one,
 * and the first error's reason reaches the CLI's plain and --json output.
 */

useTestDatabase();

const K = 4;
let server: TestLlmServer;
beforeAll(async () => {
  server = await startTestLlmServer();
  await insertTestItems();
  const configId = await activateCountConfig(K);
  await ingestAndPartition(userEvents("w1", 4 * K + 1), configId); // 4 sealed partitions
});
afterAll(async () => {
  await server?.close();
});

describe("a failed partition in the middle of a cascade", () => {
  it("counts and shows the partitions waiting behind it, and reports the first error", async () => {
    const garbage = reply.text("I cannot produce JSON today.");
    server.enqueue(summaryReply(1), garbage, garbage);
    const user = (await pool().query<{ id: number }>(`SELECT id FROM users WHERE external_id = 'w1'`)).rows[0]!.id;
    const result = await summariseUsers(
      { kind: "cascade", userIds: [user], createdBy: "cli" },
      { provider: testProvider(server) },
    );

    expect(result).toMatchObject({ status: "failed", failed: 1, blocked: 2, calls: 2 });
    expect(result.error).toMatch(/^user #\d+ partition 1: .*not valid JSON/);
    // --json prints this object as it is; the plain output says the same.
    expect(JSON.parse(JSON.stringify(result)).error).toBe(result.error);
    const plain = describeRun(result);
    expect(plain).toMatch(/waiting\s+2 {2}\(behind a failed earlier partition/);
    expect(plain).toContain(`first error     ${result.error}`);

    const [run] = await listRuns(1);
    expect(run).toMatchObject({ id: result.runId, status: "failed", failed: 1, blocked: 2 });
    expect(run!.error).toMatch(/1 partition\(s\) failed, 2 left waiting behind them; first: user #\d+ partition 1/);

    const view = await getUserSummaries("w1", {}, { provider: testProvider(server) });
    expect(view.summaries.map((s) => [s.seq, s.status, s.waitingBehind])).toEqual([
      [0, "ok", null],
      [1, "failed", null],
      [2, "missing", 1],
      [3, "missing", 1],
    ]);
  });
});
