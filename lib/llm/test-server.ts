import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { mulberry32 } from "../liber/random";
import type { Clock } from "./types";

/**
 * Test helper: a tiny server speaking the OpenAI chat-completions wire format on
 * 127.0.0.1 (random port). Each request takes the next scripted reply (or the fallback),
 * and is recorded so tests can assert what the client sent. Not for production use.
 */

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens?: number;
}

export type ScriptedReply =
  | {
      type: "completion";
      content: string | null;
      refusal?: string | null;
      finishReason?: string;
      /** null: omit `usage` from the response. */
      usage?: Usage | null;
      delayMs?: number;
    }
  | { type: "error"; status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number }
  /** Never answers; the connection stays open until the client gives up or the server closes. */
  | { type: "hang" }
  /** Sends a 200 with headers and the start of a body, then stalls without finishing it. */
  | { type: "stall"; partialBody: string }
  /** Any status and body verbatim (e.g. a non-JSON body). */
  | { type: "raw"; status: number; body: string; contentType?: string };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  body: unknown;
}

/** A reply, or a function choosing one from the request (index counts from 0). */
export type Responder = ScriptedReply | ((request: RecordedRequest, index: number) => ScriptedReply);

export const DEFAULT_USAGE: Usage = { prompt_tokens: 120, completion_tokens: 60, total_tokens: 180 };

/** Shorthands for the replies tests need most. */
export const reply = {
  /** A completion whose content is `value` serialised as JSON. */
  json: (
    value: unknown,
    options: { usage?: Usage | null; delayMs?: number; finishReason?: string } = {},
  ): ScriptedReply => ({
    type: "completion",
    content: JSON.stringify(value),
    ...options,
  }),
  /** A completion with arbitrary (e.g. malformed) content. */
  text: (
    content: string,
    options: { usage?: Usage | null; delayMs?: number; finishReason?: string } = {},
  ): ScriptedReply => ({
    type: "completion",
    content,
    ...options,
  }),
  refusal: (message = "I'm sorry, I can't help with that."): ScriptedReply => ({
    type: "completion",
    content: null,
    refusal: message,
  }),
  rateLimited: (headers: { retryAfter?: string; retryAfterMs?: string } = {}, status = 429): ScriptedReply => ({
    type: "error",
    status,
    body: {
      error: { message: "Rate limit reached. Please try again later.", type: "requests", code: "rate_limit_exceeded" },
    },
    headers: {
      ...(headers.retryAfter !== undefined ? { "retry-after": headers.retryAfter } : {}),
      ...(headers.retryAfterMs !== undefined ? { "retry-after-ms": headers.retryAfterMs } : {}),
    },
  }),
  serverError: (status = 500, message = "The server had an error while processing your request."): ScriptedReply => ({
    type: "error",
    status,
    body: { error: { message, type: "server_error", code: null } },
  }),
  /** What servers without structured outputs answer to `response_format: json_schema`. */
  rejectJsonSchema: (): ScriptedReply => ({
    type: "error",
    status: 400,
    body: {
      error: {
        message: "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.",
        type: "invalid_request_error",
        param: "response_format",
        code: null,
      },
    },
  }),
  hang: (): ScriptedReply => ({ type: "hang" }),
  stall: (partialBody = '{"id": "chatcmpl-stalled", "choices": ['): ScriptedReply => ({ type: "stall", partialBody }),
};

/**
 * Replies of POST /v1/embeddings: by default deterministic vectors (`testEmbedding`), or a
 * scripted failure (429 with Retry-After, 500, a hang...) queued with `enqueueEmbeddings`.
 */
export type EmbeddingReply = Exclude<ScriptedReply, { type: "completion" }> | { type: "embeddings"; delayMs?: number };

/** The vector the test server answers for a text: seeded by its sha256, values in [-1, 1). */
export function testEmbedding(text: string, dims: number): number[] {
  const random = mulberry32(createHash("sha256").update(text, "utf8").digest().readUInt32LE(0));
  return Array.from({ length: dims }, () => random() * 2 - 1);
}

/** Prompt tokens the test server reports for an embeddings input: ceil(chars / 4) per text. */
export const testEmbeddingTokens = (texts: readonly string[]) => texts.reduce((s, t) => s + Math.ceil(t.length / 4), 0);

export interface TestLlmServer {
  /** Base URL for the SDK, ending in /v1. */
  baseURL: string;
  readonly requests: RecordedRequest[];
  /** Queues replies for the next /embeddings requests (default: deterministic vectors). */
  enqueueEmbeddings(...replies: EmbeddingReply[]): void;
  /** Highest number of requests open at the same time so far. */
  readonly maxInFlight: number;
  readonly inFlight: number;
  /** Queues replies for the next requests, in order. */
  enqueue(...replies: Responder[]): void;
  /** Used when the queue is empty; by default a 500 saying the script ran out. */
  setFallback(responder: Responder): void;
  /** Closes open (including hanging) connections and stops listening. */
  close(): Promise<void>;
}

const SCRIPT_EXHAUSTED: ScriptedReply = {
  type: "error",
  status: 500,
  body: { error: { message: "test server: no scripted reply left", type: "server_error" } },
};

export async function startTestLlmServer(options: { fallback?: Responder } = {}): Promise<TestLlmServer> {
  const requests: RecordedRequest[] = [];
  const queue: Responder[] = [];
  const embeddingQueue: EmbeddingReply[] = [];
  let fallback: Responder = options.fallback ?? SCRIPT_EXHAUSTED;
  let inFlight = 0;
  let maxInFlight = 0;
  let completionCounter = 0;
  const timers = new Set<NodeJS.Timeout>();

  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };

  const server = http.createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on("close", () => inFlight--);

    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep the raw text
      }
      const recorded: RecordedRequest = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body };
      const index = requests.push(recorded) - 1;

      if (req.method === "POST" && req.url?.endsWith("/embeddings")) {
        const reply = embeddingQueue.shift() ?? { type: "embeddings" };
        if (reply.type === "embeddings") {
          const b = (body ?? {}) as { model?: unknown; input?: unknown; dimensions?: unknown };
          const input = typeof b.input === "string" ? [b.input] : Array.isArray(b.input) ? b.input.map(String) : [];
          const dims = typeof b.dimensions === "number" ? b.dimensions : 8;
          const answer = {
            object: "list",
            model: typeof b.model === "string" ? b.model : "test-embedding",
            data: input.map((text, i) => ({ object: "embedding", index: i, embedding: testEmbedding(text, dims) })),
            usage: { prompt_tokens: testEmbeddingTokens(input), total_tokens: testEmbeddingTokens(input) },
          };
          later(reply.delayMs ?? 0, () => sendJson(res, 200, answer));
        } else if (reply.type === "hang") {
          return;
        } else if (reply.type === "error") {
          later(reply.delayMs ?? 0, () => sendJson(res, reply.status, reply.body ?? {}, reply.headers));
        } else if (reply.type === "raw") {
          res.writeHead(reply.status, { "content-type": reply.contentType ?? "application/json" });
          res.end(reply.body);
        } else {
          res.writeHead(200, { "content-type": "application/json" });
          res.write(reply.partialBody);
        }
        return;
      }
      if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
        sendJson(res, 404, { error: { message: `test server: no route for ${req.method} ${req.url}` } });
        return;
      }
      const responder = queue.shift() ?? fallback;
      const scripted = typeof responder === "function" ? responder(recorded, index) : responder;
      const model = (body as { model?: unknown } | null)?.model;

      switch (scripted.type) {
        case "hang":
          return;
        case "stall":
          res.writeHead(200, { "content-type": "application/json" });
          res.write(scripted.partialBody);
          return;
        case "raw":
          res.writeHead(scripted.status, { "content-type": scripted.contentType ?? "application/json" });
          res.end(scripted.body);
          return;
        case "error":
          later(scripted.delayMs ?? 0, () => sendJson(res, scripted.status, scripted.body ?? {}, scripted.headers));
          return;
        case "completion": {
          const usage = scripted.usage === undefined ? DEFAULT_USAGE : scripted.usage;
          const completion = {
            id: `chatcmpl-test-${++completionCounter}`,
            object: "chat.completion",
            created: 1_700_000_000,
            model: typeof model === "string" ? model : "test-model",
            choices: [
              {
                index: 0,
                message: { role: "assistant", content: scripted.content, refusal: scripted.refusal ?? null },
                finish_reason: scripted.finishReason ?? "stop",
                logprobs: null,
              },
            ],
            ...(usage ? { usage: { total_tokens: usage.prompt_tokens + usage.completion_tokens, ...usage } } : {}),
          };
          later(scripted.delayMs ?? 0, () => sendJson(res, 200, completion));
          return;
        }
      }
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    get inFlight() {
      return inFlight;
    },
    enqueue: (...replies) => queue.push(...replies),
    enqueueEmbeddings: (...replies) => embeddingQueue.push(...replies),
    setFallback: (responder) => {
      fallback = responder;
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return; // the client already gave up
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/**
 * A clock for tests: `sleep` returns at once but advances `now()` and records the wait,
 * so backoff and limiter waits can be asserted without waiting.
 */
export function manualClock(start = Date.UTC(2024, 0, 1)): Clock & { sleeps: number[]; advance(ms: number): void } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw signal.reason;
      sleeps.push(ms);
      now += ms;
    },
  };
}
