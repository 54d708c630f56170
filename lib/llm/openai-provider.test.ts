import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OpenAiProvider, publicEndpoint, type OpenAiProviderOptions } from "./openai-provider";
import { renderPrompt } from "./prompt";
import { manualClock, reply, startTestLlmServer, type TestLlmServer } from "./test-server";
import { familyPartition } from "./test-fixtures";
import { estimateChatTokens } from "./tokens";
import { interestSummaryJsonSchema, LlmCallError, type SummariseRequest } from "./types";

const API_KEY = "sk-test-SECRET-0123456789abcdef";

const GOOD_ANSWER = {
  summary: "Enjoys 1990s family animation and comedy, rating most titles highly.",
  shift: "This is the first period.",
  interests: [
    { label: "Animation", weight: 0.6 },
    { label: "Comedy", weight: 0.4 },
  ],
};

const rendered = renderPrompt(familyPartition);
const request: SummariseRequest = { system: rendered.system, user: rendered.user, context: familyPartition };

let server: TestLlmServer;

beforeEach(async () => {
  server = await startTestLlmServer();
});

afterEach(async () => {
  await server.close();
});

function makeProvider(overrides: Partial<OpenAiProviderOptions> = {}) {
  const clock = manualClock();
  const provider = new OpenAiProvider({
    baseURL: server.baseURL,
    apiKey: API_KEY,
    model: "test-model",
    temperature: 0.3,
    maxTokens: 500,
    timeoutMs: 5_000,
    clock,
    random: () => 0.5,
    ...overrides,
  });
  return { provider, clock };
}

/** Runs the call and returns the LlmCallError it must reject with. */
async function callError(provider: OpenAiProvider, req: SummariseRequest = request): Promise<LlmCallError> {
  const error = await provider.summarise(req).then(
    () => {
      throw new Error("expected the call to fail");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LlmCallError);
  return error as LlmCallError;
}

type SentBody = {
  model: string;
  messages: Array<{ role: string; content: string }>;
  temperature: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  response_format: { type: string; json_schema?: { name: string; strict: boolean; schema: unknown } };
};
const sentBody = (index: number) => server.requests[index]!.body as SentBody;

describe("OpenAiProvider: request and response", () => {
  it("sends model, messages, params and a strict json_schema response format", async () => {
    server.enqueue(reply.json(GOOD_ANSWER));
    const { provider } = makeProvider();
    await provider.summarise(request);

    expect(server.requests).toHaveLength(1);
    const sent = server.requests[0]!;
    expect(sent.method).toBe("POST");
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.headers.authorization).toBe(`Bearer ${API_KEY}`);
    const body = sentBody(0);
    expect(body.model).toBe("test-model");
    expect(body.temperature).toBe(0.3);
    expect(body.max_tokens).toBe(500);
    expect(body.messages).toEqual([
      { role: "system", content: request.system },
      { role: "user", content: request.user },
    ]);
    expect(body.response_format).toEqual({
      type: "json_schema",
      json_schema: { name: "interest_summary", strict: true, schema: interestSummaryJsonSchema },
    });
  });

  it("returns the parsed summary with everything a trace row needs", async () => {
    server.enqueue(reply.json(GOOD_ANSWER, { usage: { prompt_tokens: 1000, completion_tokens: 200 } }));
    const { provider } = makeProvider({ pricing: { inputUsdPerMillion: 0.15, outputUsdPerMillion: 0.6 } });
    const { summary, meta } = await provider.summarise(request);

    expect(summary).toEqual(GOOD_ANSWER);
    expect(meta).toMatchObject({
      provider: "openai",
      endpoint: server.baseURL,
      model: "test-model",
      params: { model: "test-model", temperature: 0.3, maxTokens: 500 },
      promptTokens: 1000,
      completionTokens: 200,
      tokensEstimated: false,
      rawResponse: JSON.stringify(GOOD_ANSWER),
      finishReason: "stop",
      responseFormat: "json_schema",
      repaired: false,
    });
    expect(meta.costUsd).toBeCloseTo((1000 * 0.15 + 200 * 0.6) / 1e6, 12);
    expect(meta.attempts).toEqual([{ attempt: 1, phase: "primary", status: "ok", httpStatus: 200, durationMs: 0 }]);
    expect(meta.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("lets request params override the provider defaults and can send max_completion_tokens", async () => {
    server.enqueue(reply.json(GOOD_ANSWER));
    const { provider } = makeProvider({ maxTokensField: "max_completion_tokens" });
    const { meta } = await provider.summarise({ ...request, params: { model: "other-model", maxTokens: 77 } });
    expect(sentBody(0)).toMatchObject({ model: "other-model", max_completion_tokens: 77, temperature: 0.3 });
    expect(sentBody(0).max_tokens).toBeUndefined();
    expect(meta.params).toEqual({ model: "other-model", temperature: 0.3, maxTokens: 77 });
  });

  it("estimates tokens, and says so, when the server reports no usage", async () => {
    server.enqueue(reply.json(GOOD_ANSWER, { usage: null }));
    const { provider } = makeProvider();
    const { meta } = await provider.summarise(request);
    expect(meta.tokensEstimated).toBe(true);
    expect(meta.promptTokens).toBe(
      estimateChatTokens([
        { role: "system", content: request.system },
        { role: "user", content: request.user },
      ]),
    );
    expect(meta.completionTokens).toBeGreaterThan(0);
    expect(meta.costUsd).toBeNull();
  });

  it("accepts an answer wrapped in a Markdown code fence", async () => {
    server.enqueue(reply.text("```json\n" + JSON.stringify(GOOD_ANSWER) + "\n```"));
    const { provider } = makeProvider();
    const { summary, meta } = await provider.summarise(request);
    expect(summary).toEqual(GOOD_ANSWER);
    expect(meta.repaired).toBe(false);
  });
});

describe("OpenAiProvider: retries", () => {
  it("honours Retry-After in seconds on 429", async () => {
    server.enqueue(reply.rateLimited({ retryAfter: "2" }), reply.json(GOOD_ANSWER));
    const { provider, clock } = makeProvider();
    const { meta } = await provider.summarise(request);

    expect(clock.sleeps).toEqual([2000]);
    expect(server.requests).toHaveLength(2);
    expect(meta.attempts.map((a) => [a.status, a.httpStatus, a.waitedMs])).toEqual([
      ["retry", 429, 2000],
      ["ok", 200, undefined],
    ]);
  });

  it("honours retry-after-ms and an HTTP-date Retry-After on 503", async () => {
    const { provider, clock } = makeProvider();
    // HTTP dates have whole seconds; read after the first 1500 ms wait, this one is 3500 ms ahead.
    const inFiveSeconds = new Date(clock.now() + 5000).toUTCString();
    server.enqueue(
      reply.rateLimited({ retryAfterMs: "1500" }, 503),
      reply.rateLimited({ retryAfter: inFiveSeconds }, 503),
      reply.json(GOOD_ANSWER),
    );
    const { meta } = await provider.summarise(request);
    expect(clock.sleeps).toEqual([1500, 3500]);
    expect(meta.attempts).toHaveLength(3);
  });

  it("retries a 500 with full-jitter exponential backoff and counts the attempts", async () => {
    server.enqueue(reply.serverError(500), reply.serverError(502), reply.json(GOOD_ANSWER));
    // random() = 0.5 -> half of the window: 500 ms, then 1000 ms windows.
    const { provider, clock } = makeProvider({ retry: { baseDelayMs: 500 } });
    const { meta } = await provider.summarise(request);

    expect(clock.sleeps).toEqual([250, 500]);
    expect(meta.attempts.map((a) => ({ attempt: a.attempt, status: a.status, httpStatus: a.httpStatus }))).toEqual([
      { attempt: 1, status: "retry", httpStatus: 500 },
      { attempt: 2, status: "retry", httpStatus: 502 },
      { attempt: 3, status: "ok", httpStatus: 200 },
    ]);
    expect(meta.attempts[0]!.error).toContain("HTTP 500");
  });

  it("gives up after maxAttempts with a retryable http error", async () => {
    server.setFallback(reply.serverError(500));
    const { provider } = makeProvider({ retry: { maxAttempts: 3 } });
    const error = await callError(provider);
    expect(error).toMatchObject({ kind: "http", retryable: true, httpStatus: 500 });
    expect(error.attempts.map((a) => a.status)).toEqual(["retry", "retry", "failed"]);
    expect(error.message).toContain("gave up after 3 attempts");
    expect(server.requests).toHaveLength(3);
  });

  it("does not retry other 4xx", async () => {
    server.enqueue({ type: "error", status: 404, body: { error: { message: "The model `nope` does not exist" } } });
    const { provider, clock } = makeProvider();
    const error = await callError(provider);
    expect(error).toMatchObject({ kind: "http", retryable: false, httpStatus: 404 });
    expect(error.raw).toContain("does not exist");
    expect(error.attempts).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it("stops at once when Retry-After exceeds what one call may wait, reporting the wait", async () => {
    server.enqueue(reply.rateLimited({ retryAfter: "120" }));
    const { provider, clock } = makeProvider({ retry: { maxRetryAfterMs: 60_000 } });
    const error = await callError(provider);
    expect(error).toMatchObject({ kind: "rate_limited", retryable: true, retryAfterMs: 120_000, httpStatus: 429 });
    expect(clock.sleeps).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it("times out a hanging request, retries, then fails with kind 'timeout'", async () => {
    server.setFallback(reply.hang());
    const { provider } = makeProvider({ timeoutMs: 150, retry: { maxAttempts: 2 } });
    const error = await callError(provider);
    expect(error.kind).toBe("timeout");
    expect(error.retryable).toBe(true);
    expect(error.attempts.map((a) => a.status)).toEqual(["retry", "failed"]);
    expect(error.attempts[0]!.error).toContain("150 ms");
    expect(server.requests).toHaveLength(2);
  });

  it("times out a response whose body never finishes", async () => {
    server.enqueue(reply.stall());
    // The SDK's own timeout stops at the headers; ours also covers reading the body.
    const { provider } = makeProvider({ timeoutMs: 150, retry: { maxAttempts: 1 } });
    const error = await callError(provider);
    expect(error.kind).toBe("timeout");
  });

  it("reports a refused connection as a retryable network error", async () => {
    const closed = await startTestLlmServer();
    const baseURL = closed.baseURL;
    await closed.close();
    const { provider } = makeProvider({ baseURL, retry: { maxAttempts: 2 } });
    const error = await callError(provider);
    expect(error).toMatchObject({ kind: "network", retryable: true });
    expect(error.attempts).toHaveLength(2);
    expect(error.message).toMatch(/connection failed/);
  });

  it("does not retry a 200 whose body is not a chat completion", async () => {
    server.enqueue({ type: "raw", status: 200, body: "<html>Welcome to nginx</html>", contentType: "text/html" });
    const { provider } = makeProvider();
    const error = await callError(provider);
    expect(error).toMatchObject({
      kind: "http",
      retryable: false,
      httpStatus: 200,
      raw: "<html>Welcome to nginx</html>",
    });
    expect(error.message).toContain("not a chat completion");
  });

  it("retries a JSON body that cannot be parsed", async () => {
    server.enqueue({ type: "raw", status: 200, body: '{"id": "chatcmpl-1", "choi' }, reply.json(GOOD_ANSWER));
    const { provider } = makeProvider();
    const { meta } = await provider.summarise(request);
    expect(meta.attempts.map((a) => a.status)).toEqual(["retry", "ok"]);
    expect(meta.attempts[0]!.error).toContain("unreadable response");
  });

  it("keeps a plain-text error body as raw", async () => {
    server.enqueue({ type: "raw", status: 502, body: "Bad Gateway", contentType: "text/plain" });
    server.setFallback(reply.serverError(502));
    const { provider } = makeProvider({ retry: { maxAttempts: 1 } });
    const error = await callError(provider);
    expect(error).toMatchObject({ kind: "http", retryable: true, httpStatus: 502 });
    expect(error.raw).toContain("Bad Gateway");
  });

  it("stops when the caller aborts", async () => {
    const controller = new AbortController();
    controller.abort();
    const { provider } = makeProvider();
    const error = await callError(provider, { ...request, signal: controller.signal });
    expect(error).toMatchObject({ kind: "aborted", retryable: false });
  });
});

describe("OpenAiProvider: output validation", () => {
  it("makes one repair attempt after malformed JSON, sending back the bad output and the error", async () => {
    server.enqueue(reply.text('{"summary": "cut off'), reply.json(GOOD_ANSWER));
    const { provider } = makeProvider();
    const { summary, meta } = await provider.summarise(request);

    expect(summary).toEqual(GOOD_ANSWER);
    expect(meta.repaired).toBe(true);
    expect(meta.attempts.map((a) => [a.phase, a.status])).toEqual([
      ["primary", "retry"],
      ["repair", "ok"],
    ]);
    expect(meta.attempts[0]!.error).toContain("not valid JSON");
    expect(meta.promptTokens).toBe(240); // both requests are counted
    const repairMessages = sentBody(1).messages;
    expect(repairMessages).toHaveLength(4);
    expect(repairMessages[2]).toEqual({ role: "assistant", content: '{"summary": "cut off' });
    expect(repairMessages[3]!.role).toBe("user");
    expect(repairMessages[3]!.content).toContain("not valid JSON");
    expect(sentBody(1).response_format.type).toBe("json_schema");
  });

  it("repairs a well-formed JSON answer of the wrong shape", async () => {
    server.enqueue(
      reply.json({ ...GOOD_ANSWER, interests: [{ label: "Animation", weight: 60 }] }),
      reply.json(GOOD_ANSWER),
    );
    const { provider } = makeProvider();
    const { meta } = await provider.summarise(request);
    expect(meta.repaired).toBe(true);
    expect(meta.attempts[0]!.error).toMatch(/interests/);
  });

  it("fails with a validation error carrying the raw text when the repair also fails", async () => {
    const stillWrong = JSON.stringify({ summary: "Likes cartoons." });
    server.enqueue(reply.text("I think the user likes cartoons."), reply.text(stillWrong));
    const { provider } = makeProvider();
    const error = await callError(provider);

    expect(error.kind).toBe("validation");
    expect(error.retryable).toBe(false);
    expect(error.raw).toBe(stillWrong);
    expect(error.message).toContain("after one repair attempt");
    expect(error.message).toMatch(/shift|interests/);
    expect(error.attempts.map((a) => [a.phase, a.status])).toEqual([
      ["primary", "retry"],
      ["repair", "failed"],
    ]);
    expect(error.promptTokens).toBe(240);
    expect(server.requests).toHaveLength(2);
  });

  it("notes a cut-off answer in the validation reason", async () => {
    server.enqueue(
      reply.text('{"summary": "x', { finishReason: "length" }),
      reply.text("{", { finishReason: "length" }),
    );
    const { provider } = makeProvider();
    const error = await callError(provider);
    expect(error.message).toContain("cut off at the 500-token limit");
  });

  it("treats a refusal as a non-retryable failure without a repair", async () => {
    server.enqueue(reply.refusal("I can't profile people."));
    const { provider } = makeProvider();
    const error = await callError(provider);
    expect(error).toMatchObject({ kind: "refusal", retryable: false, raw: "I can't profile people." });
    expect(error.attempts.map((a) => a.status)).toEqual(["failed"]);
    expect(server.requests).toHaveLength(1);
  });

  it("falls back to json_object with the schema in the prompt when json_schema is rejected, and remembers it", async () => {
    server.enqueue(reply.rejectJsonSchema(), reply.json(GOOD_ANSWER), reply.json(GOOD_ANSWER));
    const { provider } = makeProvider();
    const { summary, meta } = await provider.summarise(request);

    expect(summary).toEqual(GOOD_ANSWER);
    expect(meta.responseFormat).toBe("json_object");
    expect(meta.attempts.map((a) => [a.phase, a.status, a.httpStatus])).toEqual([
      ["primary", "retry", 400],
      ["json_object_fallback", "ok", 200],
    ]);
    expect(sentBody(0).response_format.type).toBe("json_schema");
    expect(sentBody(1).response_format).toEqual({ type: "json_object" });
    expect(sentBody(1).messages[0]!.content).toContain("JSON Schema");
    expect(sentBody(1).messages[0]!.content).toContain('"interests"');

    // The next call goes straight to json_object.
    expect(provider.responseFormat).toBe("json_object");
    const second = await provider.summarise(request);
    expect(second.meta.attempts).toHaveLength(1);
    expect(sentBody(2).response_format).toEqual({ type: "json_object" });
  });

  it("validates json_object answers with zod and repairs them too", async () => {
    server.enqueue(reply.json({ summary: "x", shift: "y" }), reply.json(GOOD_ANSWER));
    const { provider } = makeProvider({ responseFormat: "json_object" });
    const { meta } = await provider.summarise(request);
    expect(meta.responseFormat).toBe("json_object");
    expect(meta.repaired).toBe(true);
    expect(sentBody(1).response_format).toEqual({ type: "json_object" });
  });
});

describe("OpenAiProvider: limits", () => {
  it("keeps at most maxConcurrency requests in flight", async () => {
    server.setFallback(reply.json(GOOD_ANSWER, { delayMs: 40 }));
    const { provider } = makeProvider({ maxConcurrency: 2 });
    const results = await Promise.all(Array.from({ length: 6 }, () => provider.summarise(request)));

    expect(results).toHaveLength(6);
    expect(server.requests).toHaveLength(6);
    expect(server.maxInFlight).toBe(2);
  });

  it("waits for the tokens-per-minute budget, corrected by the reported usage", async () => {
    server.setFallback(reply.json(GOOD_ANSWER, { usage: { prompt_tokens: 1900, completion_tokens: 100 } }));
    const { provider, clock } = makeProvider({ tokensPerMinute: 2000 });
    const estimate = estimateChatTokens([
      { role: "system", content: request.system },
      { role: "user", content: request.user },
    ]);
    expect(estimate).toBeLessThan(2000);

    await provider.summarise(request);
    expect(clock.sleeps).toEqual([]); // the first call fits the full bucket
    await provider.summarise(request);
    // The first call used 2000 tokens (its usage, not its smaller estimate), emptying the
    // bucket; refilling the second call's estimate takes estimate / (2000 / 60_000) ms.
    expect(clock.sleeps).toHaveLength(1);
    expect(Math.abs(clock.sleeps[0]! - (estimate * 60_000) / 2000)).toBeLessThanOrEqual(1);
  });
});

describe("OpenAiProvider: secrets", () => {
  it("never puts the API key in errors, attempts, raw text or the provider object", async () => {
    server.enqueue({
      type: "error",
      status: 401,
      body: {
        error: {
          message: `Incorrect API key provided: ${API_KEY}. Header was Bearer ${API_KEY}`,
          type: "invalid_request_error",
        },
      },
    });
    const { provider } = makeProvider();
    const error = await callError(provider);

    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`); // it was sent
    expect(error.kind).toBe("http");
    expect(error.message).toContain("[redacted]");
    for (const text of [error.message, String(error.stack), JSON.stringify(error), inspect(error, { depth: 5 })]) {
      expect(text).not.toContain(API_KEY);
    }
    expect(JSON.stringify(provider)).not.toContain(API_KEY);
    expect(inspect(provider, { depth: 5, showHidden: true })).not.toContain(API_KEY);
  });

  it("keeps the key out of successful metadata and network errors", async () => {
    server.enqueue(reply.json(GOOD_ANSWER));
    const { provider } = makeProvider();
    const { meta } = await provider.summarise(request);
    expect(JSON.stringify(meta)).not.toContain(API_KEY);

    const closed = await startTestLlmServer();
    const baseURL = closed.baseURL;
    await closed.close();
    const error = await callError(makeProvider({ baseURL, retry: { maxAttempts: 1 } }).provider);
    expect(JSON.stringify(error) + error.message).not.toContain(API_KEY);
  });

  it("strips credentials and query from the endpoint stored with traces", () => {
    expect(publicEndpoint("https://user:pw@example.com/v1/?api-key=abc")).toBe("https://example.com/v1");
  });
});
