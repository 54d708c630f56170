import { describe, expect, it } from "vitest";
import { analysePartition, BUILTIN_MODEL, BuiltinProvider, titleYear } from "./builtin-provider";
import { renderPrompt } from "./prompt";
import { familyPartition, thrillerPartition } from "./test-fixtures";
import { estimateChatTokens, estimateTokens } from "./tokens";
import { interestSummarySchema, LlmCallError, type SummariseContext, type SummariseRequest } from "./types";

function requestFor(context: SummariseContext): SummariseRequest {
  const { system, user } = renderPrompt(context);
  return { system, user, context };
}

describe("BuiltinProvider", () => {
  it("is deterministic: the same input gives the same output, across instances", async () => {
    const first = await new BuiltinProvider().summarise(requestFor(familyPartition));
    const second = await new BuiltinProvider().summarise(requestFor(familyPartition));
    expect(second.summary).toEqual(first.summary);
    expect(second.meta.rawResponse).toBe(first.meta.rawResponse);
    // Input order does not matter either.
    const shuffled = { ...familyPartition, behaviors: [...familyPartition.behaviors].reverse() };
    const third = await new BuiltinProvider().summarise(requestFor(shuffled));
    expect(third.summary).toEqual(first.summary);
  });

  it("says it is not an LLM and mentions dominant genres, titles, eras and rating habits", async () => {
    const { summary } = await new BuiltinProvider().summarise(requestFor(familyPartition));
    expect(interestSummarySchema.safeParse(summary).success).toBe(true);
    expect(summary.summary).toMatch(/^Built-in extractive summary \(rule-based, not an LLM\)/);
    expect(summary.summary).toMatch(/Dominant categories: .*Children's.*Animation/);
    expect(summary.summary).toContain("Toy Story 2 (1999)");
    expect(summary.summary).toContain("Beauty and the Beast (1991)");
    expect(summary.summary).toContain("mostly 1990s titles");
    expect(summary.summary).toContain("mean 4.1 of 5");
    expect(summary.shift).toContain("First partition");
  });

  it("returns the top categories as interests with normalised weights", async () => {
    const { summary } = await new BuiltinProvider({ maxInterests: 3 }).summarise(requestFor(familyPartition));
    expect(summary.interests.map((i) => i.label)).toEqual(["Children's", "Animation", "Comedy"]);
    const total = summary.interests.reduce((sum, i) => sum + i.weight, 0);
    expect(total).toBeCloseTo(1, 2);
    const weights = summary.interests.map((i) => i.weight);
    expect([...weights].sort((a, b) => b - a)).toEqual(weights);
  });

  it("detects an emerging category against the previous summary", async () => {
    const provider = new BuiltinProvider();
    const first = await provider.summarise(requestFor(familyPartition));
    const next = thrillerPartition({ summary: first.summary.summary, interests: first.summary.interests });
    const { summary } = await provider.summarise(requestFor(next));

    expect(summary.summary).toMatch(/Dominant categories: Thriller/);
    expect(summary.shift).toMatch(/Emerging: Thriller \(new, \d+%\)/);
    expect(summary.shift).toMatch(/Fading: .*Children's/);
    expect(summary.shift).toMatch(/strong \(Jensen-Shannon divergence \d\.\d{3}/);

    const shift = analysePartition(next).shift!;
    expect(shift.level).toBe("strong");
    expect(shift.emerging[0]!.label).toBe("Thriller");
  });

  it("measures a partial shift: emerging, fading and stable interests", () => {
    const context: SummariseContext = {
      ...thrillerPartition(null),
      previous: {
        summary: "Likes crime films and comedies.",
        interests: [
          { label: "crime", weight: 0.3 }, // matched case-insensitively with "Crime"
          { label: "Comedy", weight: 0.7 },
        ],
      },
    };
    const shift = analysePartition(context).shift!;
    expect(shift.divergence).toBeGreaterThan(0);
    expect(shift.divergence).toBeLessThan(1);
    expect(shift.emerging.map((c) => c.label)).toContain("Thriller");
    expect(shift.fading.map((c) => c.label)).toEqual(["Comedy"]);
    expect(shift.stable.map((c) => c.label)).toEqual(["Crime"]);
  });

  it("reports stable interests when nothing changed", () => {
    const first = analysePartition(familyPartition);
    const again = analysePartition({
      ...familyPartition,
      previous: { summary: "same", interests: first.interests },
    });
    expect(again.shift).toMatchObject({ divergence: 0, level: "stable", emerging: [], fading: [] });
  });

  it("fills metadata: provider builtin, estimated tokens, zero cost", async () => {
    const request = requestFor(familyPartition);
    const { meta } = await new BuiltinProvider().summarise(request);
    expect(meta).toMatchObject({
      provider: "builtin",
      model: BUILTIN_MODEL,
      endpoint: null,
      costUsd: 0,
      tokensEstimated: true,
      finishReason: "stop",
      repaired: false,
      responseFormat: "none",
    });
    expect(meta.promptTokens).toBe(
      estimateChatTokens([
        { role: "system", content: request.system },
        { role: "user", content: request.user },
      ]),
    );
    expect(meta.completionTokens).toBe(estimateTokens(meta.rawResponse));
    expect(meta.attempts).toEqual([{ attempt: 1, phase: "primary", status: "ok", durationMs: meta.latencyMs }]);
  });

  it("weights plays logarithmically and reports play counts", () => {
    const day = 86_400_000;
    const analysis = analysePartition({
      profile: {},
      previous: null,
      partitionIndex: 0,
      timeRange: { start: 0, end: 10 * day },
      behaviors: [
        { title: "Song A", categories: ["rock"], ts: 9 * day, kind: "play", value: 200 },
        { title: "Song B", categories: ["jazz"], ts: 9 * day, kind: "play", value: 1 },
        { title: "Song C", categories: [], ts: 9 * day, kind: "play", value: 3 },
      ],
    });
    expect(analysis.categories[0]!.label).toBe("rock");
    expect(analysis.categories.map((c) => c.label)).toContain("uncategorised");
    expect(analysis.plays).toEqual({ count: 3, total: 204, median: 3 });
    expect(analysis.ratings).toBeNull();
  });

  it("rejects an empty partition as an invalid request", async () => {
    const error = await new BuiltinProvider()
      .summarise(requestFor({ ...familyPartition, behaviors: [] }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmCallError);
    expect(error).toMatchObject({ kind: "invalid_request", retryable: false, provider: "builtin" });
  });
});

describe("builtin helpers", () => {
  it("reads years from titles", () => {
    expect(titleYear("Toy Story (1995)")).toBe(1995);
    expect(titleYear("2001: A Space Odyssey (1968)")).toBe(1968);
    expect(titleYear("Live at Wembley 1986")).toBe(1986);
    expect(titleYear("Heat")).toBeNull();
  });
});
