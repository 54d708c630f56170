import type { Clock } from "./types";

/**
 * Caps how many requests are in flight at once. Waiters with a higher priority are served
 * first (a job gives each call its user's remaining cascade length, so the longest chains are
 * never held up behind short ones); equal priorities first come, first served.
 */
export class Semaphore {
  private active = 0;
  /** Sorted: highest priority first, then arrival order. */
  private readonly waiters: Array<{ priority: number; wake: () => void }> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError("concurrency limit must be an integer >= 1");
  }

  /** Resolves with a release function once a slot is free; call it exactly once. */
  async acquire(priority = 0): Promise<() => void> {
    if (this.active < this.limit) this.active++;
    else
      await new Promise<void>((resolve) => {
        // Insert after every waiter of the same or a higher priority (stable among equals).
        let at = this.waiters.length;
        while (at > 0 && this.waiters[at - 1]!.priority < priority) at--;
        this.waiters.splice(at, 0, { priority, wake: resolve });
      });
    // The slot passes straight from a releasing holder to the next waiter, so `active` stays put.
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next.wake();
      else this.active--;
    };
  }
}

/**
 * Tokens-per-minute limiter. A call reserves its estimated prompt tokens before it is sent
 * and corrects the reservation with the usage the server reports, so an underestimate turns
 * into debt that delays later calls rather than a burst over the provider's limit.
 * Takes are served in order; a take larger than the whole bucket waits for a full bucket.
 */
export class TokenBucket {
  private available: number;
  private updatedAt: number;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly perMs: number;

  constructor(
    readonly tokensPerMinute: number,
    private readonly clock: Clock,
  ) {
    if (!(tokensPerMinute > 0)) throw new RangeError("tokensPerMinute must be > 0");
    this.available = tokensPerMinute;
    this.perMs = tokensPerMinute / 60_000;
    this.updatedAt = clock.now();
  }

  /** Waits until `tokens` are available, takes them and resolves with the ms waited. */
  take(tokens: number, signal?: AbortSignal): Promise<number> {
    const turn = this.queue.then(() => this.waitAndTake(tokens, signal));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** Positive: more tokens were used than reserved; negative: give tokens back. */
  adjust(delta: number): void {
    this.refill();
    this.available = Math.min(this.tokensPerMinute, this.available - delta);
  }

  /** Tokens available now (may be negative while in debt). */
  level(): number {
    this.refill();
    return this.available;
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.updatedAt);
    this.available = Math.min(this.tokensPerMinute, this.available + elapsed * this.perMs);
    this.updatedAt = now;
  }

  private async waitAndTake(tokens: number, signal?: AbortSignal): Promise<number> {
    const needed = Math.min(tokens, this.tokensPerMinute);
    let waited = 0;
    this.refill();
    while (this.available < needed) {
      const wait = Math.ceil((needed - this.available) / this.perMs);
      await this.clock.sleep(wait, signal);
      waited += wait;
      this.refill();
    }
    this.available -= tokens;
    return waited;
  }
}
