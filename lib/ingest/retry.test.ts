import { describe, expect, it } from "vitest";
import { isRetryableTransactionError, withTransactionRetry } from "./retry";

const pgError = (code: string) => Object.assign(new Error(code), { code });
const noSleep = async () => {};

describe("withTransactionRetry", () => {
  it("runs again after a deadlock or a serialization failure", async () => {
    const failures = [pgError("40P01"), pgError("40001")];
    let calls = 0;
    const result = await withTransactionRetry(
      async () => {
        calls++;
        const next = failures.shift();
        if (next) throw next;
        return "done";
      },
      { sleep: noSleep },
    );
    expect(result).toBe("done");
    expect(calls).toBe(3);
  });

  it("does not retry other errors", async () => {
    let calls = 0;
    await expect(
      withTransactionRetry(
        async () => {
          calls++;
          throw pgError("23505");
        },
        { sleep: noSleep },
      ),
    ).rejects.toThrow("23505");
    expect(calls).toBe(1);
  });

  it("gives up after the given attempts, waiting a jittered, growing delay in between", async () => {
    const delays: number[] = [];
    let calls = 0;
    await expect(
      withTransactionRetry(
        async () => {
          calls++;
          throw pgError("40P01");
        },
        { attempts: 4, baseDelayMs: 10, sleep: async (ms) => void delays.push(ms) },
      ),
    ).rejects.toThrow("40P01");
    expect(calls).toBe(4);
    expect(delays).toHaveLength(3);
    delays.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThan(10 * 2 ** (i + 1));
    });
  });

  it("knows the retryable codes", () => {
    expect(isRetryableTransactionError(pgError("40P01"))).toBe(true);
    expect(isRetryableTransactionError(new Error("x"))).toBe(false);
    expect(isRetryableTransactionError(null)).toBe(false);
  });
});
