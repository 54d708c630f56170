import { describe, expect, it } from "vitest";
import { BuiltinProvider } from "./builtin-provider";
import { stableStringify, summariseCacheKey } from "./cache-key";
import { Semaphore, TokenBucket } from "./limits";
import { OpenAiProvider } from "./openai-provider";
import { DEFAULT_RETRY_POLICY, fullJitterDelay, parseRetryAfter } from "./retry";
import { manualClock } from "./test-server";
import { familyPartition } from "./test-fixtures";
import { estimateChatTokens, estimateTokens } from "./tokens";
import { interestSummaryJsonSchema, interestSummarySchema, parseInterestSummary, type SummariseRequest } from "./types";

describe("estimateTokens", () => {
  it("prices words, numbers, punctuation, CJK and line breaks", () => {
    expect(estimateTokens("")).toBe(0);
    expect(estimateTokens("Hello, world!")).toBe(4);
    expect(estimateTokens("Toy Story (1995)")).toBe(6);
    expect(estimateTokens('{"summary": "x"}')).toBe(6);
    expect(estimateTokens("The quick brown fox jumps over the lazy dog.")).toBe(10);
    expect(estimateTokens("recommendation")).toBe(3);
    expect(estimateTokens("映画")).toBe(2);
    expect(estimateTokens("a\n\nb")).toBe(3);
  });

  it("adds per-message overhead for chats", () => {
    expect(estimateChatTokens([{ role: "user", content: "Hello, world!" }])).toBe(3 + 4 + 4);
  });
});

describe("retry helpers", () => {
  it("parses retry-after-ms, delta seconds and HTTP dates", () => {
    const now = Date.UTC(2024, 0, 1);
    expect(parseRetryAfter(new Headers({ "retry-after-ms": "250" }), now)).toBe(250);
    expect(parseRetryAfter(new Headers({ "retry-after": "3" }), now)).toBe(3000);
    expect(parseRetryAfter(new Headers({ "retry-after": "0.5" }), now)).toBe(500);
    expect(parseRetryAfter(new Headers({ "retry-after": new Date(now + 7000).toUTCString() }), now)).toBe(7000);
    expect(parseRetryAfter(new Headers({ "retry-after": new Date(now - 7000).toUTCString() }), now)).toBe(0);
    expect(parseRetryAfter(new Headers({ "retry-after": "soon" }), now)).toBeUndefined();
    expect(parseRetryAfter(new Headers(), now)).toBeUndefined();
  });

  it("draws full-jitter delays within a doubling, capped window", () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(fullJitterDelay(0, policy, () => 0.999)).toBe(100);
    expect(fullJitterDelay(3, policy, () => 0.5)).toBe(400);
    expect(fullJitterDelay(10, policy, () => 0.5)).toBe(500);
    expect(fullJitterDelay(2, policy, () => 0)).toBe(0);
  });
});

describe("limits", () => {
  it("Semaphore hands slots over in order and never exceeds the limit", async () => {
    const slots = new Semaphore(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const release = await slots.acquire();
        active++;
        peak = Math.max(peak, active);
        order.push(i);
        await new Promise((resolve) => setTimeout(resolve, 5));
        active--;
        release();
        release(); // a second release is ignored
      }),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("Semaphore serves waiters by priority, first come first served among equals", async () => {
    const slots = new Semaphore(1);
    const holder = await slots.acquire();
    const order: string[] = [];
    const wait = (name: string, priority?: number) =>
      slots.acquire(priority).then((release) => {
        order.push(name);
        release();
      });
    const all = Promise.all([wait("a"), wait("b", 5), wait("c", 1), wait("d", 5), wait("e")]);
    holder();
    await all;
    expect(order).toEqual(["b", "d", "c", "a", "e"]);
  });

  it("TokenBucket refills over time and carries debt from underestimates", async () => {
    const clock = manualClock();
    const bucket = new TokenBucket(600, clock); // 10 tokens per second
    expect(await bucket.take(600)).toBe(0);
    expect(await bucket.take(100)).toBe(10_000);
    bucket.adjust(50); // the call used 50 more than reserved
    expect(bucket.level()).toBe(-50);
    expect(await bucket.take(10)).toBe(6000);
    bucket.adjust(-10_000); // giving back never exceeds capacity
    expect(bucket.level()).toBe(600);
  });

  it("TokenBucket lets a take larger than the bucket through once it is full", async () => {
    const clock = manualClock();
    const bucket = new TokenBucket(100, clock);
    expect(await bucket.take(250)).toBe(0);
    expect(bucket.level()).toBe(-150);
  });
});

describe("schema", () => {
  it("keeps the strict JSON schema and the zod schema in step", () => {
    expect(Object.keys(interestSummarySchema.shape).sort()).toEqual([...interestSummaryJsonSchema.required].sort());
    expect(Object.keys(interestSummaryJsonSchema.properties).sort()).toEqual(
      [...interestSummaryJsonSchema.required].sort(),
    );
  });

  it("explains why an answer is rejected", () => {
    expect(parseInterestSummary("")).toEqual({ ok: false, reason: "the answer was empty" });
    const wrong = parseInterestSummary('{"summary": "x", "shift": "", "interests": [{"label": "a", "weight": 2}]}');
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) expect(wrong.reason).toMatch(/interests\[0\]\.weight|interests\.0\.weight/);
    for (const unclear of [
      { label: "a", weight: "high" },
      { label: "a", weight: "60%" },
      { label: "", weight: 0.5 },
      { weight: 0.5 },
    ]) {
      expect(
        parseInterestSummary(JSON.stringify({ summary: "x", shift: "", interests: [unclear] })).ok,
        JSON.stringify(unclear),
      ).toBe(false);
    }
    expect(parseInterestSummary('Here you go: {"summary": "x", "shift": ""').ok).toBe(false);
  });

  it("accepts what real models send when the meaning is clear, and says what it changed", () => {
    const answer = { summary: "Likes drama.", shift: "", interests: [{ label: "Drama", weight: 0.6 }] };
    const json = JSON.stringify(answer);
    for (const text of [
      "```json\n" + json + "\n```",
      `Sure! Here is the JSON:\n${json}`,
      `Here it is:\n\`\`\`\n${json}\n\`\`\`\nHope this helps {really}.`,
    ]) {
      expect(parseInterestSummary(text), text).toMatchObject({ ok: true, value: answer });
    }
    const stringWeight = parseInterestSummary(json.replace("0.6", '"0.6"'));
    expect(stringWeight).toMatchObject({
      ok: true,
      value: answer,
      adjusted: ['interests.0.weight read from the string "0.6"'],
    });
    const longLabel = "A".repeat(80);
    const cut = parseInterestSummary(JSON.stringify({ ...answer, interests: [{ label: longLabel, weight: 0.5 }] }));
    expect(cut.ok).toBe(true);
    if (cut.ok) expect(cut.value.interests[0]!.label).toBe(`${"A".repeat(59)}…`);
    const long = parseInterestSummary(
      JSON.stringify({
        summary: "x".repeat(5000),
        shift: "",
        interests: Array.from({ length: 15 }, (_, i) => ({ label: `L${i}`, weight: 0.5 })),
      }),
    );
    expect(long.ok).toBe(true);
    if (long.ok) {
      expect(long.value.summary).toHaveLength(4000);
      expect(long.value.interests).toHaveLength(12);
    }
  });
});

describe("summariseCacheKey", () => {
  const request: SummariseRequest = { system: "s", user: "u", context: familyPartition, params: { temperature: 0 } };
  const openai = new OpenAiProvider({ baseURL: "http://127.0.0.1:1/v1", model: "m" });

  it("is stable and sensitive to provider, prompt and params", () => {
    const key = summariseCacheKey(openai, request);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(summariseCacheKey(openai, { ...request })).toBe(key);
    expect(summariseCacheKey(openai, { ...request, user: "u2" })).not.toBe(key);
    expect(summariseCacheKey(openai, { ...request, params: { temperature: 0.5 } })).not.toBe(key);
    expect(summariseCacheKey(new BuiltinProvider(), request)).not.toBe(key);
  });

  it("includes the context only for providers that read it", () => {
    const other = { ...request, context: { ...familyPartition, partitionIndex: 9 } };
    expect(summariseCacheKey(openai, other)).toBe(summariseCacheKey(openai, request));
    const builtin = new BuiltinProvider();
    expect(summariseCacheKey(builtin, other)).not.toBe(summariseCacheKey(builtin, request));
  });

  it("serialises objects independently of key order", () => {
    expect(stableStringify({ b: 1, a: { d: 2, c: [3, { f: 4, e: 5 }] } })).toBe(
      '{"a":{"c":[3,{"e":5,"f":4}],"d":2},"b":1}',
    );
  });
});
