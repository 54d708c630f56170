/** Backoff and Retry-After handling shared by HTTP providers. */

export interface RetryPolicy {
  /** Requests per step of a call, the first included. */
  maxAttempts: number;
  /** Cap of the first backoff window; doubles on each retry. */
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * Longest server-requested wait honoured inside a call. A longer Retry-After ends the call
   * as `rate_limited` with `retryAfterMs` set, so a job queue can reschedule instead of a
   * worker sleeping for minutes.
   */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 60_000,
};

/**
 * "Full jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter"): a uniform wait in
 * [0, min(max, base * 2^n)], which spreads concurrent clients better than a fixed ladder.
 * `retryIndex` is 0 for the first retry.
 */
export function fullJitterDelay(retryIndex: number, policy: RetryPolicy, random: () => number): number {
  const window = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retryIndex);
  return Math.round(random() * window);
}

/**
 * The wait a server asked for, in ms: `retry-after-ms` (OpenAI, Azure) first, then
 * `Retry-After` as delta-seconds or an HTTP date. Undefined when absent or unparseable.
 */
export function parseRetryAfter(headers: Headers | undefined, now: number): number | undefined {
  const millis = headers?.get("retry-after-ms");
  if (millis && /^\s*\d+(\.\d+)?\s*$/.test(millis)) return Math.ceil(Number(millis));

  const value = headers?.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
