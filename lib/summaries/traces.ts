import { pool } from "../db/client";
import { roleAllows, type Role } from "../auth/roles";
import type { LlmAttempt, LlmCallTrace, LlmRun } from "./contract";

/** Reading trace rows and runs for the API. */

/** The contract's trace, plus two fields that explain it further. */
export interface LlmCallView extends LlmCallTrace {
  /** LlmErrorKind of a failed call (validation, refusal, http, timeout, rate_limited, ...). */
  errorKind: string | null;
  /** True when a token count is the estimator's (the server sent no usage). */
  tokensEstimated: boolean;
}

/**
 * A failed call's raw response is whatever the endpoint sent (an HTML page, a proxy's error, a
 * metadata service's answer when the base URL points there): only admins, who set that URL,
 * see it. A successful call's raw response was a chat completion whose content validated as an
 * interest summary, i.e. a real model's answer, and is shown to every reader.
 */
export function visibleTo(call: LlmCallView, role: Role): LlmCallView & { rawResponseHidden: boolean } {
  const hide = call.status !== "ok" && call.rawResponse !== null && !roleAllows(role, "admin");
  return { ...call, rawResponse: hide ? null : call.rawResponse, rawResponseHidden: hide };
}

export async function getLlmCall(id: number): Promise<LlmCallView | null> {
  const { rows } = await pool().query<{
    id: number;
    run_id: number | null;
    user_external_id: string | null;
    seq: number | null;
    provider: string;
    model: string;
    endpoint: string | null;
    params: unknown;
    prompt_version_id: number | null;
    cache_key: string;
    cache_hit: boolean;
    rendered_system: string;
    rendered_user: string;
    raw_response: string | null;
    parsed: unknown;
    prompt_tokens: number;
    completion_tokens: number;
    cost_usd: number | null;
    latency_ms: number;
    attempts: LlmAttempt[];
    status: "ok" | "failed";
    error: string | null;
    error_kind: string | null;
    tokens_estimated: boolean;
    created_at: Date;
  }>(
    `SELECT c.*, u.external_id AS user_external_id FROM llm_calls c LEFT JOIN users u ON u.id = c.user_id WHERE c.id = $1`,
    [id],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    id: r.id,
    runId: r.run_id,
    userExternalId: r.user_external_id,
    seq: r.seq,
    provider: r.provider,
    model: r.model,
    endpoint: r.endpoint,
    params: r.params,
    promptVersionId: r.prompt_version_id,
    cacheKey: r.cache_key || null,
    cacheHit: r.cache_hit,
    renderedSystem: r.rendered_system,
    renderedUser: r.rendered_user,
    rawResponse: r.raw_response,
    parsed: r.parsed,
    promptTokens: r.prompt_tokens,
    completionTokens: r.completion_tokens,
    costUsd: r.cost_usd,
    latencyMs: r.latency_ms,
    attempts: Array.isArray(r.attempts) ? r.attempts : [],
    status: r.status,
    error: r.error,
    createdAt: r.created_at.toISOString(),
    errorKind: r.error_kind,
    tokensEstimated: r.tokens_estimated,
  };
}

export interface RunView extends LlmRun {
  provider: string;
  model: string;
  users: number;
  skipped: number;
  retries: number;
  error: string | null;
  configId: number | null;
  promptVersionId: number | null;
  createdBy: string | null;
}

export async function listRuns(limit: number): Promise<RunView[]> {
  const { rows } = await pool().query<{
    id: number;
    kind: LlmRun["kind"];
    status: LlmRun["status"];
    provider: string;
    model: string;
    config_id: number | null;
    prompt_version_id: number | null;
    users: number;
    calls: number;
    cache_hits: number;
    skipped: number;
    failed: number;
    blocked: number;
    retries: number;
    prompt_tokens: number;
    completion_tokens: number;
    cost_usd: number;
    error: string | null;
    created_by: string | null;
    started_at: Date;
    finished_at: Date | null;
  }>(`SELECT * FROM llm_runs ORDER BY started_at DESC, id DESC LIMIT $1`, [limit]);
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    status: r.status,
    calls: r.calls,
    cacheHits: r.cache_hits,
    failed: r.failed,
    blocked: r.blocked,
    promptTokens: r.prompt_tokens,
    completionTokens: r.completion_tokens,
    costUsd: r.cost_usd,
    startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
    provider: r.provider,
    model: r.model,
    users: r.users,
    skipped: r.skipped,
    retries: r.retries,
    error: r.error,
    configId: r.config_id,
    promptVersionId: r.prompt_version_id,
    createdBy: r.created_by,
  }));
}
