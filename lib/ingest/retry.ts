/**
 * Retries a whole transaction that PostgreSQL aborted because of a deadlock or a serialization
 * failure: the transaction was rolled back, so running it again is safe. Waits a jittered,
 * growing delay between attempts so that the writers that collided do not collide again.
 *
 * Ingestion locks users in one global order (BehaviorLoader.counterStatements), so deadlocks are
 * not expected on the counters; what remains possible is two requests inserting the SAME
 * events in different orders (they wait on each other in the unique index).
 */
const RETRYABLE = new Set(["40P01" /* deadlock_detected */, "40001" /* serialization_failure */]);

export function isRetryableTransactionError(err: unknown): boolean {
  return RETRYABLE.has((err as { code?: string } | null)?.code ?? "");
}

export async function withTransactionRetry<T>(
  run: () => Promise<T>,
  opts: { attempts?: number; baseDelayMs?: number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<T> {
  const attempts = opts.attempts ?? 6;
  const base = opts.baseDelayMs ?? 10;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (attempt >= attempts || !isRetryableTransactionError(err)) throw err;
      // "Full jitter": uniform in [0, base * 2^attempt).
      await sleep(Math.random() * base * 2 ** attempt);
    }
  }
}
