import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenAiProvider } from "./openai-provider";
import { manualClock, reply, startTestLlmServer, type TestLlmServer } from "./test-server";
import { LlmCallError, type SummariseRequest } from "./types";

/**
 * Issue 9 item 4: answers real OpenAI-compatible servers give, scripted on the test server.
 * Liberal where the meaning is clear, strict where it is not.
 */

let server: TestLlmServer;
beforeAll(async () => {
  server = await startTestLlmServer();
});
afterAll(async () => {
  await server.close();
});

const provider = () =>
  new OpenAiProvider({
    baseURL: server.baseURL,
    model: "gpt-4o-mini",
    maxTokens: 300,
    timeoutMs: 2000,
    retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 10 },
    clock: manualClock(),
    random: () => 0.5,
  });
const request: SummariseRequest = {
  system: "You summarise.",
  user: "Behaviours...",
  context: {
    profile: {},
    previous: null,
    behaviors: [],
    timeRange: { start: Date.UTC(2020, 0, 1), end: Date.UTC(2020, 0, 2) },
    partitionIndex: 0,
  },
};
const answer = { summary: "Likes drama.", shift: "First period.", interests: [{ label: "Drama", weight: 0.6 }] };
const json = JSON.stringify(answer);

describe("real-world model answers", () => {
  it("sends the length limits in the strict JSON schema's descriptions (strict mode has no maxLength)", async () => {
    server.enqueue(reply.json(answer));
    await provider().summarise(request);
    const body = server.requests.at(-1)!.body as {
      response_format: { json_schema: { strict: boolean; schema: unknown } };
    };
    expect(body.response_format.json_schema.strict).toBe(true);
    const schema = JSON.stringify(body.response_format.json_schema.schema);
    expect(schema).toContain("at most 60 characters");
    expect(schema).toContain('"maxItems":12');
    expect(schema).not.toMatch(/maxLength|minLength/);
  });

  it.each([
    ["a code fence", "```json\n" + json + "\n```"],
    ["a sentence before the JSON", `Here is the summary you asked for:\n${json}`],
    ["prose before and after a fence", `Sure.\n\`\`\`\n${json}\n\`\`\`\nLet me know {if} you need more.`],
  ])("accepts the JSON in %s, in one request", async (_what, content) => {
    const before = server.requests.length;
    server.enqueue(reply.text(content));
    const result = await provider().summarise(request);
    expect(result.summary).toEqual(answer);
    expect(server.requests.length - before).toBe(1);
  });

  it("reads a weight sent as a numeric string, and cuts a label longer than 60 characters", async () => {
    const label = "Dark psychological thrillers set in small Scandinavian coastal towns, 1990s";
    server.enqueue(reply.text(JSON.stringify({ ...answer, interests: [{ label, weight: "0.6" }] })));
    const result = await provider().summarise(request);
    expect(result.summary.interests).toEqual([{ label: `${label.slice(0, 59).trimEnd()}…`, weight: 0.6 }]);
    expect(result.meta.repaired).toBe(false);
  });

  it("estimates tokens when the answer has no usage, and flags them", async () => {
    server.enqueue(reply.json(answer, { usage: null }));
    const result = await provider().summarise(request);
    expect(result.meta.tokensEstimated).toBe(true);
    expect(result.meta.promptTokens).toBeGreaterThan(0);
    expect(result.meta.completionTokens).toBeGreaterThan(0);
  });

  it("says the answer was cut off at max_tokens only when finish_reason is length", async () => {
    const cut = json.slice(0, 40);
    server.enqueue(reply.text(cut, { finishReason: "length" }), reply.text(cut, { finishReason: "length" }));
    const stopped = await provider()
      .summarise(request)
      .catch((e: unknown) => e);
    expect(stopped).toBeInstanceOf(LlmCallError);
    expect((stopped as LlmCallError).message).toMatch(/cut off at the 300-token limit/);

    server.enqueue(reply.text(cut, { finishReason: "stop" }), reply.text(cut, { finishReason: "stop" }));
    const broken = await provider()
      .summarise(request)
      .catch((e: unknown) => e);
    expect((broken as LlmCallError).message).toMatch(/not valid JSON/);
    expect((broken as LlmCallError).message).not.toMatch(/cut off|token limit|max_tokens/);
  });

  it('stays strict where the meaning is unclear: a weight of "high" fails after one repair', async () => {
    const unclear = JSON.stringify({ ...answer, interests: [{ label: "Drama", weight: "high" }] });
    server.enqueue(reply.text(unclear), reply.text(unclear));
    const error = await provider()
      .summarise(request)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmCallError);
    expect((error as LlmCallError).kind).toBe("validation");
    expect((error as LlmCallError).message).toMatch(/interests.*weight/);
  });
});
