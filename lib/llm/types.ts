import { z } from "zod";

/**
 * The provider layer of UIL: one call turns one sealed partition (already rendered into a
 * prompt) into an interest summary. Everything a trace row or a cache entry needs comes back
 * with the result (`LlmCallMetadata`) or with the failure (`LlmCallError`).
 */

// ---------------------------------------------------------------------------------------
// Input

/** One behaviour of the partition, as item text the summariser can read. */
export interface BehaviorItem {
  title: string;
  categories: string[];
  /** Epoch milliseconds. */
  ts: number;
  /** What happened: "rating", "play", "view", ... */
  kind: string;
  /** The signal strength: a rating, a play count; null when the kind carries none. */
  value: number | null;
}

export interface TimeRange {
  /** Epoch milliseconds, inclusive. */
  start: number;
  /** Epoch milliseconds, inclusive. */
  end: number;
}

export interface InterestWeight {
  label: string;
  /** 0..1; weights of one summary need not sum to 1 (models rarely normalise). */
  weight: number;
}

export interface PreviousSummary {
  summary: string;
  interests: InterestWeight[];
}

/**
 * The structured form of what the prompt says. LLM providers only read the rendered text;
 * the offline provider reads this instead, and prompt rendering is built from it.
 */
export interface SummariseContext {
  profile: Record<string, string | number>;
  /** The previous partition's summary in the cascade; null for a user's first partition. */
  previous: PreviousSummary | null;
  behaviors: BehaviorItem[];
  timeRange: TimeRange;
  /** 0-based position of the partition in the user's stream. */
  partitionIndex: number;
}

export interface SummariseParams {
  model: string;
  temperature: number;
  maxTokens: number;
}

export interface SummariseRequest {
  /** Rendered system prompt. */
  system: string;
  /** Rendered user prompt. */
  user: string;
  context: SummariseContext;
  /** Overrides of the provider's defaults; the resolved values are reported in metadata. */
  params?: Partial<SummariseParams>;
  /** Cancels the call (a cancelled batch job); the error kind is then "aborted". */
  signal?: AbortSignal;
  /**
   * Among calls waiting for one of the provider's concurrency slots, higher goes first
   * (default 0). The cascade passes the user's remaining partitions: the longest chains first.
   * Not part of the cache key.
   */
  priority?: number;
}

// ---------------------------------------------------------------------------------------
// Output

export const SUMMARY_MAX_CHARS = 4000;
export const SHIFT_MAX_CHARS = 2000;
export const INTEREST_LABEL_MAX_CHARS = 60;
export const MAX_INTERESTS = 12;

export const interestSchema = z.object({
  label: z.string().trim().min(1).max(INTEREST_LABEL_MAX_CHARS),
  weight: z.number().min(0).max(1),
});

export const interestSummarySchema = z.object({
  summary: z.string().trim().min(1).max(SUMMARY_MAX_CHARS),
  /** What changed since the previous partition; for the first partition, a note saying so. */
  shift: z.string().trim().max(SHIFT_MAX_CHARS),
  interests: z.array(interestSchema).min(1).max(MAX_INTERESTS),
});

export type InterestSummary = z.infer<typeof interestSummarySchema>;

/**
 * The same shape as a JSON Schema for `response_format: json_schema` with `strict: true`.
 * Written by hand because strict mode accepts a subset of JSON Schema (every property
 * required, no additionalProperties). OpenAI's strict mode does not list minLength/maxLength
 * among the keywords it supports, so the length limits travel in the descriptions, where the
 * model reads them; minimum/maximum and maxItems are supported and sent as keywords. After
 * parsing, over-long text is truncated (see parseInterestSummary).
 */
export const interestSummaryJsonSchema = {
  type: "object",
  properties: {
    summary: {
      type: "string",
      description: `The user's interests in this period, in prose (at most ${SUMMARY_MAX_CHARS} characters).`,
    },
    shift: {
      type: "string",
      description: `How interests changed since the previous summary (at most ${SHIFT_MAX_CHARS} characters).`,
    },
    interests: {
      type: "array",
      description: `Main interests, strongest first (1 to ${MAX_INTERESTS}).`,
      maxItems: MAX_INTERESTS,
      items: {
        type: "object",
        properties: {
          label: {
            type: "string",
            description: `A short interest label, e.g. a genre (at most ${INTEREST_LABEL_MAX_CHARS} characters).`,
          },
          weight: { type: "number", description: "Strength from 0 to 1.", minimum: 0, maximum: 1 },
        },
        required: ["label", "weight"],
        additionalProperties: false,
      },
    },
  },
  required: ["summary", "shift", "interests"],
  additionalProperties: false,
} as const;

export const INTEREST_SUMMARY_SCHEMA_NAME = "interest_summary";

export type ParsedInterestSummary = { ok: true; value: InterestSummary } | { ok: false; reason: string };

/**
 * Parses a model's text answer, liberal where the meaning is clear and strict where it is not:
 * - the JSON object may sit in a Markdown code fence or after (or before) a sentence of prose:
 *   the first complete top-level object in the text is taken;
 * - a weight sent as a numeric string ("0.6") is read as that number;
 * - an over-long label, summary or shift is cut at its limit (ending in "…"), and interests
 *   beyond the twelfth are dropped (they come strongest first).
 * Anything else that is not the schema (a missing field, a weight of 7 or "high", no interests)
 * is reported with a reason a repair prompt can quote. `adjusted` lists what was normalised.
 */
export function parseInterestSummary(text: string): ParsedInterestSummary & { adjusted?: string[] } {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: false, reason: "the answer was empty" };
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch (error) {
    const embedded = firstJsonObject(trimmed);
    if (embedded === undefined) {
      const detail = error instanceof Error ? error.message : String(error);
      return { ok: false, reason: `the answer is not valid JSON (${detail})` };
    }
    json = embedded;
  }
  const adjusted: string[] = [];
  const parsed = interestSummarySchema.safeParse(normaliseSummary(json, adjusted));
  if (parsed.success) return { ok: true, value: parsed.data, ...(adjusted.length ? { adjusted } : {}) };
  return { ok: false, reason: `the JSON does not match the expected shape:\n${z.prettifyError(parsed.error)}` };
}

/** The first balanced {...} in the text that parses as JSON (code fences and prose around it are ignored). */
function firstJsonObject(text: string): unknown {
  for (let start = text.indexOf("{"); start !== -1; start = text.indexOf("{", start + 1)) {
    let depth = 0;
    let inString = false;
    for (let i = start; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === "\\") i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === "{") depth++;
      else if (c === "}" && --depth === 0) {
        try {
          return JSON.parse(text.slice(start, i + 1));
        } catch {
          break;
        }
      }
    }
  }
  return undefined;
}

const NUMERIC = /^\s*-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;

function truncate(value: unknown, max: number, what: string, adjusted: string[]): unknown {
  if (typeof value !== "string") return value;
  const text = value.trim();
  if (text.length <= max) return value;
  adjusted.push(`${what} cut from ${text.length} to ${max} characters`);
  return `${text.slice(0, max - 1).trimEnd()}…`;
}

/** Applies the normalisations of parseInterestSummary to a parsed value (a copy; anything unexpected is left for zod to report). */
function normaliseSummary(value: unknown, adjusted: string[]): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const v = value as Record<string, unknown>;
  const out: Record<string, unknown> = {
    ...v,
    summary: truncate(v.summary, SUMMARY_MAX_CHARS, "summary", adjusted),
    shift: truncate(v.shift, SHIFT_MAX_CHARS, "shift", adjusted),
  };
  if (Array.isArray(v.interests)) {
    let interests = v.interests;
    if (interests.length > MAX_INTERESTS) {
      adjusted.push(`kept the first ${MAX_INTERESTS} of ${interests.length} interests`);
      interests = interests.slice(0, MAX_INTERESTS);
    }
    out.interests = interests.map((item, i) => {
      if (typeof item !== "object" || item === null) return item;
      const it = item as Record<string, unknown>;
      const weight = typeof it.weight === "string" && NUMERIC.test(it.weight) ? Number(it.weight) : it.weight;
      if (weight !== it.weight) adjusted.push(`interests.${i}.weight read from the string "${String(it.weight)}"`);
      return { ...it, label: truncate(it.label, INTEREST_LABEL_MAX_CHARS, `interests.${i}.label`, adjusted), weight };
    });
  }
  return out;
}

/** Which way structured output was requested from the server. */
export type ResponseFormatUsed = "json_schema" | "json_object" | "none";

/** Which step of a call an HTTP attempt belonged to. */
export type AttemptPhase = "primary" | "json_object_fallback" | "repair";

export interface AttemptRecord {
  /** 1-based, counting every request sent during the call. */
  attempt: number;
  phase: AttemptPhase;
  /**
   * ok: this attempt produced the result. retry: it failed and another request followed
   * (a backoff, the json_object fallback or the repair). failed: the call ended here.
   */
  status: "ok" | "retry" | "failed";
  httpStatus?: number;
  /** Why it did not succeed; secrets removed. */
  error?: string;
  /** How long the call waited after this attempt before the next one (backoff or Retry-After). */
  waitedMs?: number;
  durationMs: number;
}

export interface LlmCallMetadata {
  provider: string;
  /** Base URL without credentials or query; null for in-process providers. */
  endpoint: string | null;
  model: string;
  params: SummariseParams;
  /** Summed over every request of the call (failed attempts that returned usage cost money too). */
  promptTokens: number;
  completionTokens: number;
  /** True when at least one count came from `estimateTokens` rather than the server's usage. */
  tokensEstimated: boolean;
  /** Null when no price is configured for the model. */
  costUsd: number | null;
  /** Wall time of the whole call, including limiter queues and backoff. */
  latencyMs: number;
  attempts: AttemptRecord[];
  /** The text the accepted answer was parsed from. */
  rawResponse: string;
  finishReason: string | null;
  responseFormat: ResponseFormatUsed;
  /** True when the accepted answer came from the repair request. */
  repaired: boolean;
}

export interface SummariseResult {
  summary: InterestSummary;
  meta: LlmCallMetadata;
}

export interface LlmProvider {
  /** "openai", "builtin", ... Stored with traces and part of the cache key. */
  readonly provider: string;
  readonly endpoint: string | null;
  /**
   * Whether the output depends on `request.context` beyond the rendered prompt (the
   * offline provider reads it; LLMs only see the text). Cache keys include the context then.
   */
  readonly readsContext: boolean;
  /** Fills unset params from the provider's defaults; what a cache key should use. */
  resolveParams(params?: Partial<SummariseParams>): SummariseParams;
  /** Resolves with a validated summary or rejects with an `LlmCallError`. */
  summarise(request: SummariseRequest): Promise<SummariseResult>;
}

// ---------------------------------------------------------------------------------------
// Failure

export type LlmErrorKind =
  | "validation" // the answer was not the JSON shape asked for, even after one repair
  | "refusal" // the model declined
  | "http" // the server answered with an error status that retrying will not fix
  | "timeout"
  | "rate_limited"
  | "network" // connection refused/reset, unreadable response
  | "aborted" // cancelled by the caller
  | "invalid_request"; // the request itself cannot be summarised (e.g. no behaviours)

export interface LlmCallErrorDetails {
  kind: LlmErrorKind;
  /** Whether running the same call later may succeed (a job queue may reschedule it). */
  retryable: boolean;
  provider: string;
  model: string;
  attempts: AttemptRecord[];
  /** The last text or error body the server sent, secrets removed; null if none. */
  raw: string | null;
  httpStatus?: number;
  /** The server's Retry-After when it asked for a longer wait than the call allows. */
  retryAfterMs?: number;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
}

export class LlmCallError extends Error implements LlmCallErrorDetails {
  readonly kind: LlmErrorKind;
  readonly retryable: boolean;
  readonly provider: string;
  readonly model: string;
  readonly attempts: AttemptRecord[];
  readonly raw: string | null;
  readonly httpStatus?: number;
  readonly retryAfterMs?: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly latencyMs: number;

  constructor(message: string, details: LlmCallErrorDetails) {
    super(message);
    this.name = "LlmCallError";
    this.kind = details.kind;
    this.retryable = details.retryable;
    this.provider = details.provider;
    this.model = details.model;
    this.attempts = details.attempts;
    this.raw = details.raw;
    if (details.httpStatus !== undefined) this.httpStatus = details.httpStatus;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
    this.promptTokens = details.promptTokens;
    this.completionTokens = details.completionTokens;
    this.latencyMs = details.latencyMs;
  }

  /** A plain object for a trace row or an API response (no stack). */
  toJSON(): LlmCallErrorDetails & { message: string } {
    return {
      message: this.message,
      kind: this.kind,
      retryable: this.retryable,
      provider: this.provider,
      model: this.model,
      attempts: this.attempts,
      raw: this.raw,
      ...(this.httpStatus !== undefined ? { httpStatus: this.httpStatus } : {}),
      ...(this.retryAfterMs !== undefined ? { retryAfterMs: this.retryAfterMs } : {}),
      promptTokens: this.promptTokens,
      completionTokens: this.completionTokens,
      latencyMs: this.latencyMs,
    };
  }
}

export function isLlmCallError(error: unknown): error is LlmCallError {
  return error instanceof LlmCallError;
}

// ---------------------------------------------------------------------------------------
// Time, injectable so that retries and limiters can be tested without waiting.

export interface Clock {
  now(): number;
  /** Must advance `now()` by about `ms`; rejects if the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};
