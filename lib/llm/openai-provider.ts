import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { Semaphore, TokenBucket } from "./limits";
import { DEFAULT_RETRY_POLICY, fullJitterDelay, parseRetryAfter, type RetryPolicy } from "./retry";
import { estimateChatTokens, estimateTokens } from "./tokens";
import {
  INTEREST_SUMMARY_SCHEMA_NAME,
  interestSummaryJsonSchema,
  LlmCallError,
  parseInterestSummary,
  systemClock,
  type AttemptPhase,
  type AttemptRecord,
  type Clock,
  type InterestSummary,
  type LlmErrorKind,
  type LlmProvider,
  type SummariseParams,
  type SummariseRequest,
  type SummariseResult,
} from "./types";

/** USD per million tokens; when set, `costUsd` is filled in call metadata. */
export interface ModelPricing {
  inputUsdPerMillion: number;
  outputUsdPerMillion: number;
}

export interface OpenAiProviderOptions {
  /** Any OpenAI-compatible endpoint, e.g. https://api.openai.com/v1 or http://localhost:11434/v1. */
  baseURL: string;
  /** Omit for local servers that need none. Never echoed in errors or metadata. */
  apiKey?: string;
  model: string;
  temperature?: number;
  maxTokens?: number;
  /** Stored as `provider` in metadata and cache keys. Default "openai". */
  providerName?: string;
  /** Per request, until the whole body is read. Default 60 s. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Requests in flight at once across all calls of this provider. Default 4. */
  maxConcurrency?: number;
  /** Omit for no limit. */
  tokensPerMinute?: number;
  /**
   * Default "json_schema" (strict structured output); the provider switches to "json_object"
   * by itself when the server rejects json_schema.
   */
  responseFormat?: "json_schema" | "json_object";
  /** Newer OpenAI models accept only max_completion_tokens; most compatible servers max_tokens. */
  maxTokensField?: "max_tokens" | "max_completion_tokens";
  pricing?: ModelPricing;
  clock?: Clock;
  /** Source of backoff jitter, in [0, 1). */
  random?: () => number;
}

type ChatMessage = { role: "system" | "user" | "assistant"; content: string };

/** Why one request did not produce a completion, and whether another try may help. */
interface RequestFailure {
  kind: LlmErrorKind;
  retryable: boolean;
  message: string;
  httpStatus?: number;
  retryAfterMs?: number;
  raw?: string;
  /** A 400 that names response_format/json_schema: the server lacks structured outputs. */
  jsonSchemaRejected?: boolean;
}

type RequestOutcome =
  { ok: true; completion: ChatCompletion } | { ok: false; error: unknown; timedOut: boolean; callerAborted: boolean };

type Answer =
  | { ok: true; summary: InterestSummary; raw: string; finishReason: string | null }
  | { ok: false; refused: boolean; reason: string; raw: string };

/** Thrown by the first request when the server lacks json_schema, so the call can switch format. */
class JsonSchemaRejected extends Error {}

/** A 200 whose body is not a chat completion (e.g. a base URL pointing at a web page). */
class UnexpectedBodyError extends Error {
  constructor(readonly body: string) {
    super("the response is not a chat completion");
  }
}

const RAW_BODY_MAX_CHARS = 2000;

function isChatCompletion(value: unknown): value is ChatCompletion {
  return typeof value === "object" && value !== null && Array.isArray((value as { choices?: unknown }).choices);
}

/** What one call accumulates across its requests, for metadata or the error. */
class CallLedger {
  readonly attempts: AttemptRecord[] = [];
  promptTokens = 0;
  completionTokens = 0;
  tokensEstimated = false;

  constructor(readonly startedAt: number) {}

  record(entry: Omit<AttemptRecord, "attempt">): void {
    this.attempts.push({ attempt: this.attempts.length + 1, ...entry });
  }

  /** Re-labels the last attempt once its answer has been judged. */
  amendLast(change: Pick<AttemptRecord, "status" | "error">): void {
    const last = this.attempts.at(-1);
    if (last) Object.assign(last, change);
  }
}

const DEFAULT_TEMPERATURE = 0.2;
const DEFAULT_MAX_TOKENS = 800;
const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_CONCURRENCY = 4;

/** Local servers accept any key; the SDK insists on one (and would otherwise read OPENAI_API_KEY). */
const PLACEHOLDER_API_KEY = "not-needed";

export class OpenAiProvider implements LlmProvider {
  readonly provider: string;
  readonly endpoint: string;
  readonly readsContext = false;

  // Private fields keep the client (and its key) out of JSON.stringify and console output.
  readonly #client: OpenAI;
  readonly #apiKey: string | undefined;
  readonly #defaults: SummariseParams;
  readonly #retry: RetryPolicy;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #slots: Semaphore;
  readonly #tokenBucket: TokenBucket | null;
  readonly #maxTokensField: "max_tokens" | "max_completion_tokens";
  readonly #pricing: ModelPricing | undefined;
  /** Becomes "json_object" for good once the server rejects json_schema. */
  #format: "json_schema" | "json_object";

  constructor(options: OpenAiProviderOptions) {
    this.provider = options.providerName ?? "openai";
    this.endpoint = publicEndpoint(options.baseURL);
    this.#apiKey = options.apiKey || undefined;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#client = new OpenAI({
      baseURL: options.baseURL,
      apiKey: this.#apiKey ?? PLACEHOLDER_API_KEY,
      // Without a key, no Authorization header at all (not even the placeholder).
      ...(this.#apiKey ? {} : { defaultHeaders: { Authorization: null } }),
      maxRetries: 0, // retries are ours, so that each one is counted and traced
      timeout: this.#timeoutMs,
      logLevel: "off",
    });
    this.#defaults = {
      model: options.model,
      temperature: options.temperature ?? DEFAULT_TEMPERATURE,
      maxTokens: options.maxTokens ?? DEFAULT_MAX_TOKENS,
    };
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#slots = new Semaphore(options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY);
    this.#tokenBucket = options.tokensPerMinute ? new TokenBucket(options.tokensPerMinute, this.#clock) : null;
    this.#maxTokensField = options.maxTokensField ?? "max_tokens";
    this.#pricing = options.pricing;
    this.#format = options.responseFormat ?? "json_schema";
  }

  /** The structured-output mode the next call will use. */
  get responseFormat(): "json_schema" | "json_object" {
    return this.#format;
  }

  resolveParams(params: Partial<SummariseParams> = {}): SummariseParams {
    return {
      model: params.model ?? this.#defaults.model,
      temperature: params.temperature ?? this.#defaults.temperature,
      maxTokens: params.maxTokens ?? this.#defaults.maxTokens,
    };
  }

  async summarise(request: SummariseRequest): Promise<SummariseResult> {
    const params = this.resolveParams(request.params);
    const ledger = new CallLedger(this.#clock.now());

    let format = this.#format;
    let messages = chatMessages(request, format);
    let completion: ChatCompletion;
    try {
      completion = await this.#send(messages, format, "primary", params, ledger, request.signal, request.priority);
    } catch (error) {
      if (!(error instanceof JsonSchemaRejected)) throw error;
      this.#format = format = "json_object";
      messages = chatMessages(request, format);
      completion = await this.#send(
        messages,
        format,
        "json_object_fallback",
        params,
        ledger,
        request.signal,
        request.priority,
      );
    }

    let answer = readAnswer(completion, params);
    let repaired = false;
    if (!answer.ok && !answer.refused) {
      // One repair: show the model its own output and what is wrong with it.
      ledger.amendLast({ status: "retry", error: this.#redact(`invalid answer: ${answer.reason}`) });
      const repairMessages: ChatMessage[] = [
        ...messages,
        { role: "assistant", content: answer.raw },
        { role: "user", content: repairInstruction(answer.reason) },
      ];
      completion = await this.#send(repairMessages, format, "repair", params, ledger, request.signal, request.priority);
      answer = readAnswer(completion, params);
      repaired = true;
    }

    if (!answer.ok) {
      const kind: LlmErrorKind = answer.refused ? "refusal" : "validation";
      const message = answer.refused
        ? `the model refused: ${answer.reason}`
        : `the answer did not match the interest summary schema${repaired ? " after one repair attempt" : ""}: ${answer.reason}`;
      ledger.amendLast({ status: "failed", error: this.#redact(message) });
      throw this.#error({ kind, retryable: false, message, raw: answer.raw }, params, ledger);
    }

    const latencyMs = this.#clock.now() - ledger.startedAt;
    return {
      summary: answer.summary,
      meta: {
        provider: this.provider,
        endpoint: this.endpoint,
        model: params.model,
        params,
        promptTokens: ledger.promptTokens,
        completionTokens: ledger.completionTokens,
        tokensEstimated: ledger.tokensEstimated,
        costUsd: this.#pricing
          ? (ledger.promptTokens * this.#pricing.inputUsdPerMillion +
              ledger.completionTokens * this.#pricing.outputUsdPerMillion) /
            1_000_000
          : null,
        latencyMs,
        attempts: ledger.attempts,
        rawResponse: this.#redact(answer.raw),
        finishReason: answer.finishReason,
        responseFormat: format,
        repaired,
      },
    };
  }

  /**
   * Sends one request, retrying transient failures with backoff. Throws LlmCallError when it
   * gives up, or JsonSchemaRejected when the primary request's json_schema is refused.
   */
  async #send(
    messages: ChatMessage[],
    format: "json_schema" | "json_object",
    phase: AttemptPhase,
    params: SummariseParams,
    ledger: CallLedger,
    signal: AbortSignal | undefined,
    priority = 0,
  ): Promise<ChatCompletion> {
    const body = this.#requestBody(messages, format, params);
    const estimatedPromptTokens = estimateChatTokens(messages);

    for (let retryIndex = 0; ; retryIndex++) {
      await this.#abortable(() => this.#tokenBucket?.take(estimatedPromptTokens, signal), params, ledger);
      const release = await this.#slots.acquire(priority);
      const startedAt = this.#clock.now();
      let outcome: RequestOutcome;
      try {
        outcome = await this.#requestOnce(body, signal);
      } finally {
        release();
      }
      const durationMs = this.#clock.now() - startedAt;

      if (outcome.ok) {
        this.#countUsage(outcome.completion, messages, estimatedPromptTokens, ledger);
        ledger.record({ phase, status: "ok", httpStatus: 200, durationMs });
        return outcome.completion;
      }

      this.#tokenBucket?.adjust(-estimatedPromptTokens); // nothing was generated
      const failure = this.#classify(outcome);
      const httpStatus = failure.httpStatus !== undefined ? { httpStatus: failure.httpStatus } : {};

      if (failure.jsonSchemaRejected && format === "json_schema" && phase === "primary") {
        const error = "the server does not support response_format json_schema; falling back to json_object";
        ledger.record({ phase, status: "retry", ...httpStatus, error, durationMs });
        throw new JsonSchemaRejected(error);
      }

      const waitTooLong = failure.retryAfterMs !== undefined && failure.retryAfterMs > this.#retry.maxRetryAfterMs;
      const outOfAttempts = retryIndex + 1 >= this.#retry.maxAttempts;
      if (!failure.retryable || outOfAttempts || waitTooLong) {
        ledger.record({ phase, status: "failed", ...httpStatus, error: this.#redact(failure.message), durationMs });
        const why = waitTooLong
          ? ` (the server asked to wait ${failure.retryAfterMs} ms, more than the ${this.#retry.maxRetryAfterMs} ms allowed in one call)`
          : failure.retryable
            ? ` (gave up after ${retryIndex + 1} attempt${retryIndex === 0 ? "" : "s"})`
            : "";
        throw this.#error({ ...failure, message: failure.message + why }, params, ledger);
      }

      const waitedMs = failure.retryAfterMs ?? fullJitterDelay(retryIndex, this.#retry, this.#random);
      ledger.record({
        phase,
        status: "retry",
        ...httpStatus,
        error: this.#redact(failure.message),
        waitedMs,
        durationMs,
      });
      await this.#abortable(() => this.#clock.sleep(waitedMs, signal), params, ledger);
    }
  }

  #requestBody(
    messages: ChatMessage[],
    format: "json_schema" | "json_object",
    params: SummariseParams,
  ): ChatCompletionCreateParamsNonStreaming {
    const body: ChatCompletionCreateParamsNonStreaming = {
      model: params.model,
      messages,
      temperature: params.temperature,
      response_format:
        format === "json_schema"
          ? {
              type: "json_schema",
              json_schema: {
                name: INTEREST_SUMMARY_SCHEMA_NAME,
                strict: true,
                schema: interestSummaryJsonSchema as unknown as Record<string, unknown>,
              },
            }
          : { type: "json_object" },
    };
    body[this.#maxTokensField] = params.maxTokens;
    return body;
  }

  /** One HTTP request with a deadline that covers reading the body, not just the headers. */
  async #requestOnce(
    body: ChatCompletionCreateParamsNonStreaming,
    signal: AbortSignal | undefined,
  ): Promise<RequestOutcome> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.#timeoutMs);
    const forwardAbort = () => controller.abort();
    if (signal?.aborted) controller.abort();
    else signal?.addEventListener("abort", forwardAbort, { once: true });
    try {
      const completion: unknown = await this.#client.chat.completions.create(body, { signal: controller.signal });
      if (isChatCompletion(completion)) return { ok: true, completion };
      const text = typeof completion === "string" ? completion : JSON.stringify(completion);
      return { ok: false, error: new UnexpectedBodyError(text), timedOut: false, callerAborted: false };
    } catch (error) {
      return { ok: false, error, timedOut, callerAborted: !timedOut && signal?.aborted === true };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", forwardAbort);
    }
  }

  #classify(outcome: Extract<RequestOutcome, { ok: false }>): RequestFailure {
    const { error } = outcome;
    if (outcome.callerAborted) return { kind: "aborted", retryable: false, message: "cancelled by the caller" };
    if (outcome.timedOut || error instanceof APIConnectionTimeoutError) {
      return { kind: "timeout", retryable: true, message: `no complete response within ${this.#timeoutMs} ms` };
    }
    if (error instanceof APIConnectionError) {
      return { kind: "network", retryable: true, message: `connection failed: ${causeChain(error)}` };
    }
    if (error instanceof UnexpectedBodyError) {
      const raw = this.#redact(error.body.slice(0, RAW_BODY_MAX_CHARS));
      return {
        kind: "http",
        retryable: false,
        httpStatus: 200,
        message: `${error.message} (is the base URL right?)`,
        raw,
      };
    }
    if (error instanceof APIError && typeof error.status === "number") {
      const status = error.status;
      // The SDK keeps a JSON body's `error` object, or else puts a text body in the message.
      const raw = this.#redact(error.error === undefined ? error.message : JSON.stringify(error.error));
      const base = { httpStatus: status, message: `HTTP ${this.#redact(error.message)}`, raw };
      const retryAfterMs = parseRetryAfter(error.headers, this.#clock.now());
      const retryAfter = retryAfterMs !== undefined ? { retryAfterMs } : {};
      if (status === 429) return { kind: "rate_limited", retryable: true, ...base, ...retryAfter };
      if (status >= 500) return { kind: "http", retryable: true, ...base, ...retryAfter };
      const jsonSchemaRejected = status === 400 && /response_format|json_schema/i.test(`${error.message} ${raw}`);
      return { kind: "http", retryable: false, ...base, jsonSchemaRejected };
    }
    // e.g. a 200 whose body is not JSON (a proxy's HTML page): transient more often than not.
    return { kind: "network", retryable: true, message: `unreadable response: ${causeChain(error)}` };
  }

  #countUsage(completion: ChatCompletion, messages: ChatMessage[], reserved: number, ledger: CallLedger): void {
    const usage = completion.usage;
    const content = completion.choices[0]?.message.content ?? "";
    const hasUsage = typeof usage?.prompt_tokens === "number" && typeof usage.completion_tokens === "number";
    const promptTokens = hasUsage ? usage.prompt_tokens : estimateChatTokens(messages);
    const completionTokens = hasUsage ? usage.completion_tokens : estimateTokens(content);
    if (!hasUsage) ledger.tokensEstimated = true;
    ledger.promptTokens += promptTokens;
    ledger.completionTokens += completionTokens;
    this.#tokenBucket?.adjust(promptTokens + completionTokens - reserved);
  }

  /** Runs a wait that the caller's signal may cancel; a cancellation becomes an "aborted" error. */
  async #abortable<T>(wait: () => Promise<T> | undefined, params: SummariseParams, ledger: CallLedger): Promise<void> {
    try {
      await wait();
    } catch {
      throw this.#error({ kind: "aborted", retryable: false, message: "cancelled by the caller" }, params, ledger);
    }
  }

  #error(failure: RequestFailure, params: SummariseParams, ledger: CallLedger): LlmCallError {
    return new LlmCallError(this.#redact(`${this.provider} ${params.model}: ${failure.kind}: ${failure.message}`), {
      kind: failure.kind,
      retryable: failure.retryable,
      provider: this.provider,
      model: params.model,
      attempts: ledger.attempts,
      raw: failure.raw === undefined ? null : this.#redact(failure.raw),
      ...(failure.httpStatus !== undefined ? { httpStatus: failure.httpStatus } : {}),
      ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
      promptTokens: ledger.promptTokens,
      completionTokens: ledger.completionTokens,
      latencyMs: this.#clock.now() - ledger.startedAt,
    });
  }

  /** Removes the API key (and any bearer token) from text that leaves the provider. */
  #redact(text: string): string {
    let out = text;
    if (this.#apiKey && this.#apiKey.length >= 4) out = out.split(this.#apiKey).join("[redacted]");
    return out.replace(/(Bearer\s+)[^\s"',]+/gi, "$1[redacted]");
  }
}

function chatMessages(request: SummariseRequest, format: "json_schema" | "json_object"): ChatMessage[] {
  // In json_object mode the server does not see the schema, so the prompt has to carry it.
  const system =
    format === "json_object"
      ? `${request.system}\n\nThe JSON object must match this JSON Schema:\n${JSON.stringify(interestSummaryJsonSchema)}`
      : request.system;
  return [
    { role: "system", content: system },
    { role: "user", content: request.user },
  ];
}

function readAnswer(completion: ChatCompletion, params: SummariseParams): Answer {
  const choice = completion.choices[0];
  if (!choice) return { ok: false, refused: false, reason: "the response had no choices", raw: "" };
  const { message } = choice;
  const raw = message.content ?? "";
  if (message.refusal) return { ok: false, refused: true, reason: message.refusal, raw: message.refusal };
  if (choice.finish_reason === "content_filter") {
    return { ok: false, refused: true, reason: "the answer was stopped by the content filter", raw };
  }
  const parsed = parseInterestSummary(raw);
  if (parsed.ok) return { ok: true, summary: parsed.value, raw, finishReason: choice.finish_reason ?? null };
  const cutOff =
    choice.finish_reason === "length" ? ` (the answer was cut off at the ${params.maxTokens}-token limit)` : "";
  return { ok: false, refused: false, reason: parsed.reason + cutOff, raw };
}

function repairInstruction(reason: string): string {
  return [
    `Your previous reply could not be used: ${reason}`,
    'Reply again with only the corrected JSON object, with exactly the keys "summary", "shift" and "interests"',
    '(a list of {"label": string, "weight": number from 0 to 1}), keep it concise, and add no other text.',
  ].join("\n");
}

/** "fetch failed: connect ECONNREFUSED 127.0.0.1:9" rather than just "Connection error." */
function causeChain(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current instanceof Error) {
      if (current.message && !parts.includes(current.message)) parts.push(current.message);
      current = current.cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return parts.join(": ") || "unknown error";
}

/** The base URL without credentials, query or fragment: safe to store with traces. */
export function publicEndpoint(baseURL: string): string {
  try {
    const url = new URL(baseURL);
    url.username = "";
    url.password = "";
    url.search = "";
    url.hash = "";
    return url.toString().replace(/\/+$/, "");
  } catch {
    return "(invalid URL)";
  }
}
