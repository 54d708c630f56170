import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import { Semaphore, TokenBucket } from "../llm/limits";
import { publicEndpoint } from "../llm/openai-provider";
import { DEFAULT_RETRY_POLICY, fullJitterDelay, parseRetryAfter, type RetryPolicy } from "../llm/retry";
import { estimateTokens } from "../llm/tokens";
import { systemClock, type AttemptRecord, type Clock, type LlmErrorKind } from "../llm/types";
import { contentHash, l2Normalise, type Encoder } from "./encoder";

/**
 * The openai encoder: embeddings through the official SDK against any OpenAI-compatible
 * endpoint (`POST {baseURL}/embeddings`), in batches, with the same retry rules as the UIL
 * calls (lib/llm/retry.ts: full-jitter backoff, Retry-After honoured up to a cap, 429 and 5xx
 * retried, other 4xx not), the same concurrency and tokens-per-minute limits (lib/llm/limits.ts),
 * and the key kept private and redacted. Caching by (endpoint, model, dims, text hash) and the
 * trace rows are the database side's (lib/uif/embeddings.ts), fed by `onCall`.
 */

export interface EmbeddingCallTrace {
  texts: number;
  promptTokens: number;
  tokensEstimated: boolean;
  costUsd: number | null;
  latencyMs: number;
  attempts: AttemptRecord[];
  status: "ok" | "failed";
  errorKind: LlmErrorKind | null;
  error: string | null;
}

export class EmbeddingError extends Error {
  constructor(
    message: string,
    readonly kind: LlmErrorKind,
    readonly trace: EmbeddingCallTrace,
  ) {
    super(message);
  }
}

export interface OpenAiEncoderOptions {
  baseURL: string;
  /** From the environment only; never stored or echoed. */
  apiKey?: string;
  model: string;
  /** Sent as `dimensions` (text-embedding-3 models shorten their vectors server-side). */
  dimensions: number;
  batchSize?: number;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  maxConcurrency?: number;
  tokensPerMinute?: number;
  /** USD per million input tokens; null: unknown (cost not counted). */
  inputUsdPerMillion?: number | null;
  clock?: Clock;
  random?: () => number;
  onCall?: (trace: EmbeddingCallTrace) => void;
}

const PLACEHOLDER_API_KEY = "not-needed";

export function openAiEncoderVersion(baseURL: string, model: string, dimensions: number): string {
  return `openai/${model}/d${dimensions}@${contentHash(publicEndpoint(baseURL), undefined, 8)}`;
}

export class OpenAiEncoder implements Encoder {
  readonly id = "openai";
  readonly version: string;
  readonly dims: number;
  readonly endpoint: string;
  readonly model: string;
  readonly #client: OpenAI;
  readonly #apiKey: string | undefined;
  readonly #retry: RetryPolicy;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #slots: Semaphore;
  readonly #bucket: TokenBucket | null;
  readonly #batchSize: number;
  readonly #price: number | null;
  readonly #onCall: ((trace: EmbeddingCallTrace) => void) | undefined;

  constructor(options: OpenAiEncoderOptions) {
    this.endpoint = publicEndpoint(options.baseURL);
    this.model = options.model;
    this.dims = options.dimensions;
    this.version = openAiEncoderVersion(options.baseURL, options.model, options.dimensions);
    this.#apiKey = options.apiKey || undefined;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#client = new OpenAI({
      baseURL: options.baseURL,
      apiKey: this.#apiKey ?? PLACEHOLDER_API_KEY,
      maxRetries: 0,
      timeout: this.#timeoutMs,
      logLevel: "off",
    });
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#slots = new Semaphore(options.maxConcurrency ?? 4);
    this.#bucket = options.tokensPerMinute ? new TokenBucket(options.tokensPerMinute, this.#clock) : null;
    this.#batchSize = options.batchSize ?? 64;
    this.#price = options.inputUsdPerMillion ?? null;
    this.#onCall = options.onCall;
  }

  /** Batches run concurrently up to the limit; the result keeps the input order. Throws EmbeddingError. */
  async encode(texts: readonly string[]): Promise<Float32Array[]> {
    const batches: string[][] = [];
    for (let i = 0; i < texts.length; i += this.#batchSize) batches.push(texts.slice(i, i + this.#batchSize));
    const results = await Promise.all(batches.map((b) => this.#embedBatch(b)));
    return results.flat();
  }

  async #embedBatch(texts: string[]): Promise<Float32Array[]> {
    const startedAt = this.#clock.now();
    const attempts: AttemptRecord[] = [];
    const estimated = texts.reduce((s, t) => s + estimateTokens(t), 0);
    const trace = (
      status: "ok" | "failed",
      promptTokens: number,
      tokensEstimated: boolean,
      errorKind: LlmErrorKind | null,
      error: string | null,
    ): EmbeddingCallTrace => ({
      texts: texts.length,
      promptTokens,
      tokensEstimated,
      costUsd: this.#price === null ? null : (promptTokens * this.#price) / 1_000_000,
      latencyMs: this.#clock.now() - startedAt,
      attempts,
      status,
      errorKind,
      error,
    });
    for (let retryIndex = 0; ; retryIndex++) {
      await this.#bucket?.take(estimated);
      const release = await this.#slots.acquire();
      const t0 = this.#clock.now();
      let response: OpenAI.Embeddings.CreateEmbeddingResponse | null = null;
      let failure: {
        kind: LlmErrorKind;
        retryable: boolean;
        message: string;
        httpStatus?: number;
        retryAfterMs?: number;
      } | null = null;
      try {
        response = await this.#client.embeddings.create(
          { model: this.model, input: texts, dimensions: this.dims, encoding_format: "float" },
          { timeout: this.#timeoutMs },
        );
      } catch (err) {
        failure = this.#classify(err);
      } finally {
        release();
      }
      const durationMs = this.#clock.now() - t0;
      if (response) {
        const vectors = this.#read(response, texts.length);
        if (typeof vectors === "string") {
          failure = { kind: "validation", retryable: false, message: vectors };
        } else {
          attempts.push({ attempt: attempts.length + 1, phase: "primary", status: "ok", httpStatus: 200, durationMs });
          const usage = response.usage?.prompt_tokens;
          const promptTokens = typeof usage === "number" ? usage : estimated;
          this.#bucket?.adjust(promptTokens - estimated);
          this.#onCall?.(trace("ok", promptTokens, typeof usage !== "number", null, null));
          return vectors;
        }
      }
      this.#bucket?.adjust(-estimated);
      const f = failure!;
      const httpStatus = f.httpStatus !== undefined ? { httpStatus: f.httpStatus } : {};
      const waitTooLong = f.retryAfterMs !== undefined && f.retryAfterMs > this.#retry.maxRetryAfterMs;
      if (!f.retryable || retryIndex + 1 >= this.#retry.maxAttempts || waitTooLong) {
        const why = waitTooLong
          ? ` (the server asked to wait ${f.retryAfterMs} ms, more than the ${this.#retry.maxRetryAfterMs} ms allowed)`
          : f.retryable
            ? ` (gave up after ${retryIndex + 1} attempts)`
            : "";
        const message = this.#redact(`openai embeddings ${this.model}: ${f.kind}: ${f.message}${why}`);
        attempts.push({
          attempt: attempts.length + 1,
          phase: "primary",
          status: "failed",
          ...httpStatus,
          error: message,
          durationMs,
        });
        const t = trace("failed", 0, false, f.kind, message);
        this.#onCall?.(t);
        throw new EmbeddingError(message, f.kind, t);
      }
      const waitedMs = f.retryAfterMs ?? fullJitterDelay(retryIndex, this.#retry, this.#random);
      attempts.push({
        attempt: attempts.length + 1,
        phase: "primary",
        status: "retry",
        ...httpStatus,
        error: this.#redact(f.message),
        waitedMs,
        durationMs,
      });
      await this.#clock.sleep(waitedMs);
    }
  }

  /** The vectors in input order, normalised; or why the body is unusable. */
  #read(response: OpenAI.Embeddings.CreateEmbeddingResponse, n: number): Float32Array[] | string {
    if (!Array.isArray(response?.data) || response.data.length !== n)
      return `expected ${n} embeddings, got ${Array.isArray(response?.data) ? response.data.length : "none"}`;
    const out: Float32Array[] = new Array<Float32Array>(n);
    for (const item of response.data) {
      const index = item.index;
      if (!Number.isInteger(index) || index < 0 || index >= n || out[index])
        return `bad or repeated embedding index ${index}`;
      if (!Array.isArray(item.embedding) || item.embedding.length !== this.dims)
        return `embedding ${index} has ${Array.isArray(item.embedding) ? item.embedding.length : "no"} dimensions, expected ${this.dims}`;
      out[index] = l2Normalise(Float32Array.from(item.embedding));
    }
    return out;
  }

  #classify(error: unknown): {
    kind: LlmErrorKind;
    retryable: boolean;
    message: string;
    httpStatus?: number;
    retryAfterMs?: number;
  } {
    if (error instanceof APIConnectionTimeoutError)
      return { kind: "timeout", retryable: true, message: `no response within ${this.#timeoutMs} ms` };
    if (error instanceof APIConnectionError)
      return { kind: "network", retryable: true, message: `connection failed: ${error.message}` };
    if (error instanceof APIError && typeof error.status === "number") {
      const status = error.status;
      const retryAfterMs = parseRetryAfter(error.headers, this.#clock.now());
      const base = {
        httpStatus: status,
        message: `HTTP ${error.message}`,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      };
      if (status === 429) return { kind: "rate_limited", retryable: true, ...base };
      if (status >= 500) return { kind: "http", retryable: true, ...base };
      return { kind: "http", retryable: false, ...base };
    }
    return {
      kind: "network",
      retryable: true,
      message: `unreadable response: ${error instanceof Error ? error.message : String(error)}`,
    };
  }

  #redact(text: string): string {
    let out = text;
    if (this.#apiKey && this.#apiKey.length >= 4) out = out.split(this.#apiKey).join("[redacted]");
    return out.replace(/(Bearer\s+)[^\s"',]+/gi, "$1[redacted]");
  }
}
