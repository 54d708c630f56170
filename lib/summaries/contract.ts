// The UIL API's wire types (summaries, traces, prompts, playground, LLM settings): the one
// definition that the route handlers' lib code and the browser client (./api-client.ts) share.
// Types only: nothing here runs, so client components can import it freely.

/** Dates travel as ISO 8601 strings (UTC). */
type IsoDate = string;

export type ProviderName = "builtin" | "openai";
export type SummaryStatus = "ok" | "failed" | "missing";

export interface Interest {
  label: string;
  /** 0..1 */
  weight: number;
}

/** One sealed partition's place in the cascade, as the summaries and playground APIs return it. */
export interface CascadeSummary {
  seq: number;
  partitionContentHash: string;
  status: SummaryStatus;
  /** An earlier summary of the cascade changed after this one was written. */
  stale: boolean;
  summary: string | null;
  shift: string | null;
  interests: Interest[];
  provider: string | null;
  model: string | null;
  promptVersion: { id: number; version: number } | null;
  promptTokens: number | null;
  completionTokens: number | null;
  costUsd: number | null;
  cacheHit: boolean;
  llmCallId: number | null;
  createdAt: IsoDate | null;
  error: string | null;
  /** A missing summary that waits for this earlier partition, whose summary failed (its "previous"). */
  waitingBehind: number | null;
}

export interface UserSummaries {
  config: { id: number; name: string; version: number };
  prompt: { id: number; name: string; version: number; labels: string[] };
  provider: { provider: string; model: string };
  /** One page of the summaries, by seq (see page). */
  summaries: CascadeSummary[];
  /** total: sealed partitions of the user; nextFromSeq: the next page's fromSeq, null at the end. */
  page: { total: number; fromSeq: number; limit: number; returned: number; nextFromSeq: number | null };
}

export interface CascadeRunResult {
  runId: number;
  calls: number;
  cacheHits: number;
  skipped: number;
  failed: number;
  /** Partitions left undone behind a failed earlier partition of the same user. */
  blocked: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  durationMs: number;
}

export interface LlmAttempt {
  attempt: number;
  phase: string;
  status: string;
  httpStatus?: number | null;
  error?: string | null;
  waitedMs?: number | null;
  durationMs: number;
}

export interface LlmCallTrace {
  id: number;
  runId: number | null;
  userExternalId: string | null;
  seq: number | null;
  provider: string;
  model: string;
  endpoint: string | null;
  params: unknown;
  promptVersionId: number | null;
  cacheKey: string | null;
  cacheHit: boolean;
  renderedSystem: string;
  renderedUser: string;
  /** Null for a viewer or editor when the call failed: then it is whatever the endpoint sent (admins see it). */
  rawResponse: string | null;
  /** True when rawResponse was withheld from this reader (see above). */
  rawResponseHidden?: boolean;
  parsed: unknown;
  promptTokens: number | null;
  completionTokens: number | null;
  costUsd: number | null;
  latencyMs: number | null;
  attempts: LlmAttempt[];
  status: "ok" | "failed";
  error: string | null;
  /** What kind of failure (validation, http, timeout, rate_limited...), when it failed. */
  errorKind?: string | null;
  /** The provider reported no usage, so the token counts are estimates. */
  tokensEstimated?: boolean;
  createdAt: IsoDate;
}

export interface LlmRun {
  id: number;
  kind: "ingest" | "cascade" | "playground" | "bench";
  /** interrupted: the process running it died (marked at the next start). */
  status: "running" | "succeeded" | "failed" | "interrupted";
  calls: number;
  cacheHits: number;
  failed: number;
  /** Partitions left undone behind a failed earlier partition of the same user. */
  blocked: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  startedAt: IsoDate;
  finishedAt: IsoDate | null;
}

export interface BehaviorOptions {
  fields: string[];
  maxItems: number;
  maxTitleChars: number;
  tokenBudget: number;
}

export interface PromptVersion {
  id: number;
  name: string;
  version: number;
  system: string;
  userTemplate: string;
  behaviorOptions: BehaviorOptions;
  note: string | null;
  labels: string[];
  createdAt: IsoDate;
  createdBy: string | null;
}

export interface NewPromptVersion {
  name: string;
  system: string;
  userTemplate: string;
  behaviorOptions?: BehaviorOptions;
  note?: string;
}

export interface DiffHunk {
  added?: boolean;
  removed?: boolean;
  value: string;
}

export type PromptField = "system" | "userTemplate" | "behaviorOptions";

export interface PromptDiff {
  a: PromptVersion;
  b: PromptVersion;
  fields: { field: PromptField; changed: boolean; hunks: DiffHunk[] }[];
}

export interface RunTotals {
  calls: number;
  cacheHits: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

export type PlaygroundDraft =
  { system: string; userTemplate: string; behaviorOptions?: BehaviorOptions } | { promptId: number };

export interface PlaygroundRequest {
  user: string;
  draft: PlaygroundDraft;
  config?: number;
  maxPartitions?: number;
}

export interface PlaygroundSide {
  summaries: CascadeSummary[];
  totals: RunTotals;
}

export interface PlaygroundResult {
  draft: PlaygroundSide;
  production: PlaygroundSide;
}

/** The LLM settings in effect (saved row, else the environment's defaults). */
export interface LlmSettingsValues {
  provider: ProviderName;
  /** Null for the built-in provider. */
  baseUrl: string | null;
  model: string;
  temperature: number;
  maxTokens: number;
  timeoutMs: number;
  maxConcurrency: number;
  tokensPerMinute: number | null;
}

/** GET /api/settings/llm: the settings and whether a key is set; the key itself never leaves the server. */
export interface LlmSettings extends LlmSettingsValues {
  apiKeyConfigured: boolean;
  apiKeySource: "env" | null;
  /** Whether the key goes to the base URL in force (only to LIBER_LLM_BASE_URL's origin or an allowed one). */
  apiKeySentToBaseUrl: boolean;
}

export interface LlmSettingsUpdate {
  provider: ProviderName;
  baseUrl?: string | null;
  model: string;
  temperature: number;
  maxTokens: number;
  timeoutMs?: number;
  maxConcurrency?: number;
  tokensPerMinute?: number | null;
}

export interface ModelPrice {
  provider: string;
  model: string;
  /** $ per million prompt tokens. */
  inputPerMTok: number;
  /** $ per million completion tokens. */
  outputPerMTok: number;
}

/** A config version id or "active"; a prompt version id or "production". */
export type ConfigSelector = number | "active";
export type PromptSelector = number | "production";
