import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/db";
import { pool } from "../db/client";
import { DEFAULT_SYSTEM_PROMPT } from "../llm";
import { reply, startTestLlmServer, type TestLlmServer } from "../llm/test-server";
import { recomputePartitions } from "../partitions/recompute";
import { userIdOf } from "../partitions/test-helpers";
import { getUserSummaries, runUserCascade } from "./service";
import {
  activateCountConfig,
  chatRequests,
  ingestAndPartition,
  insertTestItems,
  summaryReply,
  testProvider,
  userEvents,
  validAnswers,
  type ChatBody,
} from "./test-helpers";
import { getLlmCall, listRuns } from "./traces";

// The UIL cascade against an OpenAI-wire server started here on 127.0.0.1: what is sent,
// what is stored, and how failures, retries, the cache and staleness show up.

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
  await server?.close();
});
beforeEach(() => {
  server.setFallback(validAnswers);
});

let nextStartDay = 0;

/** A user with `partitions` sealed partitions (and one open event), on days no other test user has. */
async function userWithPartitions(name: string, partitions: number): Promise<number> {
  await ingestAndPartition(userEvents(name, partitions * K + 1, nextStartDay), configId);
  nextStartDay += 100;
  return userIdOf(name);
}

const requestsSoFar = () => chatRequests(server).length;

async function traces(userId: number) {
  const { rows } = await pool().query<{ id: number }>(`SELECT id FROM llm_calls WHERE user_id = $1 ORDER BY id`, [
    userId,
  ]);
  return Promise.all(rows.map((r) => getLlmCall(r.id).then((c) => c!)));
}

describe("the cascade through an OpenAI-compatible server", () => {
  it("sends one structured-output request per partition, each carrying the previous summary, and stores what came back", async () => {
    await userWithPartitions("shape", 3);
    const provider = testProvider(server);
    const before = requestsSoFar();

    const result = await runUserCascade("shape", {}, { provider });

    expect(result).toMatchObject({
      calls: 3,
      cacheHits: 0,
      skipped: 0,
      failed: 0,
      promptTokens: 360,
      completionTokens: 180,
    });
    expect(result.costUsd).toBeCloseTo((360 * 0.15 + 180 * 0.6) / 1_000_000, 12); // the seeded gpt-4o-mini price
    const sent = chatRequests(server)
      .slice(before)
      .map((r) => r.body as ChatBody);
    expect(sent).toHaveLength(3);
    for (const body of sent) {
      expect(body).toMatchObject({ model: "gpt-4o-mini", temperature: 0.2, max_tokens: 800 });
      expect(body.response_format).toMatchObject({
        type: "json_schema",
        json_schema: { name: "interest_summary", strict: true },
      });
      expect(body.messages.map((m) => m.role)).toEqual(["system", "user"]);
      expect(body.messages[0]!.content).toBe(DEFAULT_SYSTEM_PROMPT);
      expect(body.messages[1]!.content).toContain(`<behaviors total="${K}" shown="${K}"`);
    }
    expect(sent[0]!.messages[1]!.content).toContain("(none: this is the user's first partition)");
    expect(sent[0]!.messages[1]!.content).toContain("Movie 0 (1980) | Drama | rate | 1");
    expect(sent[1]!.messages[1]!.content).toContain("Summary number 1: likes drama.");
    expect(sent[2]!.messages[1]!.content).toContain("Summary number 2: likes drama.");
    expect(sent[2]!.messages[1]!.content).toContain("earlier behaviours: 8");

    const view = await getUserSummaries("shape", {}, { provider });
    expect(view.provider).toEqual({ provider: "openai", model: "gpt-4o-mini" });
    expect(view.prompt).toMatchObject({ name: "uil", version: 1, labels: ["latest", "production"] });
    expect(view.summaries.map((s) => [s.seq, s.status, s.stale, s.summary])).toEqual([
      [0, "ok", false, "Summary number 1: likes drama."],
      [1, "ok", false, "Summary number 2: likes drama."],
      [2, "ok", false, "Summary number 3: likes drama."],
    ]);
    expect(view.summaries[0]).toMatchObject({
      interests: [
        { label: "Drama", weight: 0.7 },
        { label: "Genre 1", weight: 0.3 },
      ],
      promptTokens: 120,
      completionTokens: 60,
      cacheHit: false,
      provider: "openai",
      model: "gpt-4o-mini",
    });

    const trace = (await getLlmCall(view.summaries[1]!.llmCallId!))!;
    expect(trace).toMatchObject({
      runId: result.runId,
      userExternalId: "shape",
      seq: 1,
      status: "ok",
      cacheHit: false,
      renderedSystem: sent[1]!.messages[0]!.content,
      renderedUser: sent[1]!.messages[1]!.content,
      parsed: { summary: "Summary number 2: likes drama." },
      attempts: [{ attempt: 1, phase: "primary", status: "ok", httpStatus: 200 }],
      endpoint: server.baseURL,
      params: { model: "gpt-4o-mini", temperature: 0.2, maxTokens: 800 },
    });
    expect(trace.rawResponse).toContain("Summary number 2");
  });

  it("retries a 429 with Retry-After and 500s, and counts the retries in traces and the run", async () => {
    await userWithPartitions("retry", 2);
    server.enqueue(
      reply.rateLimited({ retryAfter: "2" }),
      summaryReply(1),
      reply.serverError(500),
      reply.serverError(503),
      summaryReply(2),
    );
    const result = await runUserCascade("retry", {}, { provider: testProvider(server) });
    expect(result).toMatchObject({ calls: 2, failed: 0 });

    const [first, second] = await traces(await userIdOf("retry"));
    expect(first!.attempts).toMatchObject([
      { attempt: 1, status: "retry", httpStatus: 429, waitedMs: 2000 },
      { attempt: 2, status: "ok", httpStatus: 200 },
    ]);
    expect(second!.attempts).toMatchObject([
      { attempt: 1, status: "retry", httpStatus: 500 },
      { attempt: 2, status: "retry", httpStatus: 503 },
      { attempt: 3, status: "ok" },
    ]);
    const run = (await listRuns(20)).find((r) => r.id === result.runId)!;
    expect(run).toMatchObject({ kind: "cascade", status: "succeeded", calls: 2, retries: 3, failed: 0 });
  });

  it("retries a request that times out", async () => {
    await userWithPartitions("slow", 1);
    server.enqueue(reply.hang(), summaryReply(1));
    const result = await runUserCascade("slow", {}, { provider: testProvider(server, { timeoutMs: 300 }) });
    expect(result).toMatchObject({ calls: 1, failed: 0 });
    const [trace] = await traces(await userIdOf("slow"));
    expect(trace!.attempts).toMatchObject([
      { status: "retry", error: expect.stringContaining("no complete response within 300 ms") },
      { status: "ok" },
    ]);
  });

  it("records malformed JSON as a failed summary with its reason and raw answer; later partitions wait; a re-run retries it", async () => {
    const userId = await userWithPartitions("malformed", 3);
    server.enqueue(reply.text('{"summary": "cut off'), reply.text("still not JSON"));
    const before = requestsSoFar();
    const result = await runUserCascade("malformed", {}, { provider: testProvider(server) });
    expect(requestsSoFar() - before).toBe(2); // the request and one repair
    expect(result).toMatchObject({ calls: 1, failed: 1, skipped: 0 });

    const view = await getUserSummaries("malformed", {}, { provider: testProvider(server) });
    expect(view.summaries.map((s) => s.status)).toEqual(["failed", "missing", "missing"]);
    expect(view.summaries[0]!.error).toMatch(/did not match the interest summary schema after one repair attempt/);
    const [trace] = await traces(userId);
    expect(trace).toMatchObject({ status: "failed", rawResponse: "still not JSON", parsed: null });
    expect(trace!.error).toMatch(/validation/);
    expect(trace!.attempts).toMatchObject([
      { phase: "primary", status: "retry" },
      { phase: "repair", status: "failed" },
    ]);
    const run = (await listRuns(20)).find((r) => r.id === result.runId)!;
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/1 partition\(s\) failed/);

    // Failures are not cached: the re-run asks again, then continues down the cascade.
    const again = await runUserCascade("malformed", {}, { provider: testProvider(server) });
    expect(again).toMatchObject({ calls: 3, failed: 0, cacheHits: 0 });
    const fixed = await getUserSummaries("malformed", {}, { provider: testProvider(server) });
    expect(fixed.summaries.map((s) => [s.status, s.stale])).toEqual([
      ["ok", false],
      ["ok", false],
      ["ok", false],
    ]);
  });

  it("records a refusal as a failed summary with the model's reason", async () => {
    const userId = await userWithPartitions("refused", 1);
    server.enqueue(reply.refusal("I can't profile people."));
    const result = await runUserCascade("refused", {}, { provider: testProvider(server) });
    expect(result).toMatchObject({ calls: 1, failed: 1 });
    const view = await getUserSummaries("refused", {}, { provider: testProvider(server) });
    expect(view.summaries[0]).toMatchObject({
      status: "failed",
      error: expect.stringContaining("the model refused: I can't profile people."),
    });
    const [trace] = await traces(userId);
    expect(trace).toMatchObject({
      status: "failed",
      rawResponse: "I can't profile people.",
      attempts: [{ status: "failed", httpStatus: 200 }],
    });
    expect(trace!.errorKind).toBe("refusal");
  });
});

describe("cache and incremental work", () => {
  it("skips what is summarised, and answers an identical cascade from the cache without any request", async () => {
    const userId = await userWithPartitions("cached", 3);
    const provider = testProvider(server);
    await runUserCascade("cached", {}, { provider });
    const texts = (await getUserSummaries("cached", {}, { provider })).summaries.map((s) => s.summary);

    // The same cascade again: every input hash has its summary.
    const before = requestsSoFar();
    expect(await runUserCascade("cached", {}, { provider })).toMatchObject({ calls: 0, cacheHits: 0, skipped: 3 });

    // Another config version that seals the same partitions: new summaries, all from the cache.
    const { createConfigVersion } = await import("../partitions/configs");
    const copy = await createConfigVersion({ name: "uil-copy", config: { maxCount: K } });
    await recomputePartitions(copy.id, { users: ["cached"] });
    const result = await runUserCascade("cached", { config: copy.id }, { provider });
    expect(requestsSoFar()).toBe(before);
    expect(result).toMatchObject({ calls: 0, cacheHits: 3, skipped: 0, failed: 0, promptTokens: 0, costUsd: 0 });

    const view = await getUserSummaries("cached", { config: copy.id }, { provider });
    expect(view.summaries.map((s) => [s.status, s.cacheHit, s.summary])).toEqual(
      texts.map((text) => ["ok", true, text]),
    );
    const hits = (await traces(userId)).filter((t) => t.cacheHit);
    expect(hits).toHaveLength(3);
    expect(hits.every((t) => t.status === "ok" && t.attempts.length === 0 && t.promptTokens === 0)).toBe(true);
    const { rows } = await pool().query<{ hits: number }>(`SELECT hits FROM llm_cache WHERE key = $1`, [
      hits[0]!.cacheKey,
    ]);
    expect(rows[0]!.hits).toBe(1);
  });

  it("marks every summary from a changed partition on stale, and a re-run recomputes exactly those", async () => {
    const userId = await userWithPartitions("stale", 5);
    const provider = testProvider(server);
    expect(await runUserCascade("stale", {}, { provider })).toMatchObject({ calls: 5 });

    const { rows: before2 } = await pool().query<{ content_hash: string }>(
      `SELECT content_hash FROM partitions WHERE user_id = $1 AND config_id = $2 ORDER BY seq`,
      [userId, configId],
    );

    // A behaviour of partition 2 is deleted and the partitions recomputed: partition 2 and the
    // later ones (K = 4 shifts every boundary after it) hold other behaviours now.
    await pool().query(
      `WITH gone AS (DELETE FROM behaviors WHERE id = (
         SELECT min(x) FROM partitions, unnest(behavior_ids) AS x WHERE user_id = $1 AND config_id = $2 AND seq = 2) RETURNING user_id)
       UPDATE users SET event_count = event_count - 1 WHERE id IN (SELECT user_id FROM gone)`,
      [userId, configId],
    );
    await recomputePartitions(configId, { users: ["stale"] });
    const { rows: after } = await pool().query<{ content_hash: string }>(
      `SELECT content_hash FROM partitions WHERE user_id = $1 AND config_id = $2 ORDER BY seq`,
      [userId, configId],
    );
    expect(after.map((r, i) => r.content_hash === before2[i]!.content_hash)).toEqual([true, true, false, false, false]);

    const staleView = await getUserSummaries("stale", {}, { provider });
    expect(staleView.summaries.map((s) => s.stale)).toEqual([false, false, true, true, true]);
    expect(staleView.summaries.every((s) => s.status === "ok")).toBe(true);

    const before = requestsSoFar();
    const rerun = await runUserCascade("stale", {}, { provider });
    expect(rerun).toMatchObject({ calls: 3, skipped: 2, cacheHits: 0 });
    expect(requestsSoFar() - before).toBe(3);
    const fresh = await getUserSummaries("stale", {}, { provider });
    expect(fresh.summaries.map((s) => s.stale)).toEqual([false, false, false, false, false]);
    expect(fresh.summaries.map((s) => s.partitionContentHash)).toEqual(after.map((r) => r.content_hash));
  });

  it("marks the summaries after a replaced one stale", async () => {
    const userId = await userWithPartitions("replaced", 4);
    const provider = testProvider(server);
    await runUserCascade("replaced", {}, { provider });
    // A newer summary of partition 1 written for other inputs (e.g. by another model).
    await pool().query(
      `INSERT INTO partition_summaries (user_id, config_id, seq, partition_content_hash, prompt_version_id, provider, model,
         input_hash, previous_input_hash, status, summary)
       SELECT user_id, config_id, seq, partition_content_hash, prompt_version_id, provider, 'other-model',
         'other-input', previous_input_hash, 'ok', 'Another summary'
       FROM partition_summaries WHERE user_id = $1 AND seq = 1`,
      [userId],
    );
    const view = await getUserSummaries("replaced", {}, { provider: testProvider(server, { model: "other-model" }) });
    expect(view.summaries.map((s) => [s.model, s.stale])).toEqual([
      ["gpt-4o-mini", false],
      ["other-model", false],
      ["gpt-4o-mini", true],
      ["gpt-4o-mini", true],
    ]);
  });
});

describe("secrets", () => {
  it("never writes the API key into a trace, a summary, a run or the cache, even when the server echoes it", async () => {
    const userId = await userWithPartitions("secret", 1);
    const apiKey = "sk-test-SECRET-0123456789abcdef";
    const echo = (request: { headers: Record<string, unknown> }) => String(request.headers.authorization);
    server.enqueue(
      (request) => ({ type: "error", status: 500, body: { error: { message: `upstream rejected ${echo(request)}` } } }),
      (request) => reply.text(`not json, but here is your header: ${echo(request)}`),
      summaryReply(1),
    );
    const result = await runUserCascade("secret", {}, { provider: testProvider(server, { apiKey }) });
    expect(result).toMatchObject({ calls: 1, failed: 0 });
    expect(chatRequests(server).at(-1)!.headers.authorization).toBe(`Bearer ${apiKey}`);

    const [trace] = await traces(userId);
    expect(trace!.attempts).toHaveLength(3);
    const { rows } = await pool().query<{ dump: string }>(
      `SELECT concat_ws(' ',
         (SELECT json_agg(c)::text FROM llm_calls c WHERE c.user_id = $1),
         (SELECT json_agg(s)::text FROM partition_summaries s WHERE s.user_id = $1),
         (SELECT json_agg(r)::text FROM llm_runs r),
         (SELECT json_agg(k)::text FROM llm_cache k)) AS dump`,
      [userId],
    );
    expect(rows[0]!.dump).toContain("[redacted]");
    expect(rows[0]!.dump).not.toContain("SECRET-0123456789");
  });
});
