import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { retryAfterMs, SIGN_IN_LIMIT } from "./rate-limit";

const MIN = 60_000;
const now = new Date("2026-01-01T12:00:00Z");
const ago = (ms: number) => new Date(now.getTime() - ms);

describe("sign-in rate limit", () => {
  it("is 5 failures per 15 minutes", () => {
    expect(SIGN_IN_LIMIT).toEqual({ maxFailures: 5, windowMs: 15 * MIN });
  });

  it("allows up to 4 recent failures", () => {
    expect(retryAfterMs([], now)).toBe(0);
    expect(
      retryAfterMs(
        [1, 2, 3, 4].map((m) => ago(m * MIN)),
        now,
      ),
    ).toBe(0);
  });

  it("blocks after 5 failures until the oldest counted one leaves the window", () => {
    const failures = [1, 2, 3, 4, 10].map((m) => ago(m * MIN));
    expect(retryAfterMs(failures, now)).toBe(5 * MIN);
  });

  it("counts only the latest 5 when there are more", () => {
    const failures = [1, 2, 3, 4, 5, 6, 14].map((m) => ago(m * MIN));
    expect(retryAfterMs(failures, now)).toBe(10 * MIN);
  });

  it("ignores failures older than the window", () => {
    const failures = [1, 2, 3, 4, 15, 16, 60].map((m) => ago(m * MIN));
    expect(retryAfterMs(failures, now)).toBe(0);
  });

  it("honours a custom limit", () => {
    expect(retryAfterMs([ago(1000), ago(2000)], now, { maxFailures: 2, windowMs: 10_000 })).toBe(8000);
  });

  it("blocks exactly when maxFailures fall inside the window, and never longer than the window", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40 * MIN }), { maxLength: 12 }), (agesMs) => {
        const wait = retryAfterMs(agesMs.map(ago), now);
        const inWindow = agesMs.filter((a) => a < SIGN_IN_LIMIT.windowMs).length;
        expect(wait > 0).toBe(inWindow >= SIGN_IN_LIMIT.maxFailures);
        expect(wait).toBeLessThanOrEqual(SIGN_IN_LIMIT.windowMs);
      }),
    );
  });
});
