import { describe, expect, it } from "vitest";
import type { CascadeSummary } from "@/lib/summaries/api-client";
import {
  cascadeCounts,
  datedPartitions,
  formatChange,
  formatCost,
  formatMs,
  formatTokens,
  missingExplanation,
  interestStyle,
  prettyJson,
  partitionTitle,
  providerLabel,
  rankedInterests,
  runResultText,
  STALE_HEADLINE,
  staleExplanation,
  totalsOf,
} from "./summary-format";

function summary(seq: number, over: Partial<CascadeSummary> = {}): CascadeSummary {
  return {
    seq,
    partitionContentHash: `hash-${seq}`,
    status: "ok",
    stale: false,
    summary: `Summary ${seq}`,
    shift: "",
    interests: [{ label: "Drama", weight: 0.6 }],
    provider: "builtin",
    model: "liber-extractive-v1",
    promptVersion: { id: 1, version: 1 },
    promptTokens: 100,
    completionTokens: 20,
    costUsd: 0,
    cacheHit: false,
    llmCallId: seq + 100,
    createdAt: "2026-01-01T10:00:00.000Z",
    error: null,
    waitingBehind: null,
    ...over,
  };
}

describe("formatCost", () => {
  it("keeps two significant digits below a cent and two decimals above", () => {
    expect(formatCost(0.00042)).toBe("$0.00042");
    expect(formatCost(0.0012345)).toBe("$0.0012");
    expect(formatCost(0.001)).toBe("$0.001");
    expect(formatCost(0.5)).toBe("$0.50");
    expect(formatCost(12.345)).toBe("$12.35");
  });

  it("shows zero, tiny, negative and unknown amounts distinctly", () => {
    expect(formatCost(0)).toBe("$0");
    expect(formatCost(1e-9)).toBe("<$0.000001");
    expect(formatCost(-0.25)).toBe("-$0.25");
    expect(formatCost(null)).toBe("–");
    expect(formatCost(Number.NaN)).toBe("–");
  });
});

describe("tokens and milliseconds", () => {
  it("formats prompt and completion tokens together", () => {
    expect(formatTokens(1234, 210)).toBe("1,234 in · 210 out tokens");
    expect(formatTokens(1234, null)).toBe("1,234 in · – out tokens");
    expect(formatTokens(null, undefined)).toBe("–");
  });

  it("shows 0 ms as a value and missing as a dash", () => {
    expect(formatMs(0)).toBe("0 ms");
    expect(formatMs(1500.4)).toBe("1,500 ms");
    expect(formatMs(undefined)).toBe("–");
  });
});

describe("providerLabel", () => {
  it("labels the builtin provider as not an LLM", () => {
    expect(providerLabel("builtin", "liber-extractive-v1")).toBe("builtin · liber-extractive-v1 — not an LLM");
  });

  it("names an LLM provider and model without the disclaimer", () => {
    expect(providerLabel("openai", "gpt-4o-mini")).toBe("openai · gpt-4o-mini");
    expect(providerLabel(null, null)).toBe("unknown provider");
  });
});

describe("interests", () => {
  it("ranks strongest first and clamps weights", () => {
    expect(
      rankedInterests([
        { label: "Comedy", weight: 0.2 },
        { label: "Drama", weight: 1.4 },
        { label: "Action", weight: 0.2 },
        { label: "Noise", weight: Number.NaN },
      ]),
    ).toEqual([
      { label: "Drama", weight: 1 },
      { label: "Action", weight: 0.2 },
      { label: "Comedy", weight: 0.2 },
      { label: "Noise", weight: 0 },
    ]);
  });

  it("maps a weight to a bar width and an opacity that never hides the chip", () => {
    expect(interestStyle(0)).toEqual({ barPercent: 0, opacity: 0.55 });
    expect(interestStyle(0.5)).toEqual({ barPercent: 50, opacity: 0.78 });
    expect(interestStyle(1)).toEqual({ barPercent: 100, opacity: 1 });
    expect(interestStyle(-3).barPercent).toBe(0);
  });
});

describe("staleExplanation", () => {
  it("numbers partitions from 1, like the timeline", () => {
    expect(partitionTitle(0)).toBe("Partition 1");
  });

  it("names the nearest earlier partition that was summarised again later", () => {
    const list = [
      summary(0, { createdAt: "2026-01-03T00:00:00.000Z" }),
      summary(1, { createdAt: "2026-01-02T00:00:00.000Z" }),
      summary(2, { stale: true, createdAt: "2026-01-01T00:00:00.000Z" }),
    ];
    const text = staleExplanation(list, 2);
    expect(text.startsWith(STALE_HEADLINE)).toBe(true);
    expect(text).toContain("partition 2 was summarised again");
  });

  it("names an earlier partition that has no summary any more", () => {
    const list = [summary(0), summary(1, { status: "failed", summary: null }), summary(2, { stale: true })];
    expect(staleExplanation(list, 2)).toContain("partition 2 has no summary now (failed)");
  });

  it("falls back to the headline with advice when the list does not say which", () => {
    const list = [summary(0), summary(1, { stale: true })];
    const text = staleExplanation(list, 1);
    expect(text.startsWith(STALE_HEADLINE)).toBe(true);
    expect(text).toContain("Summarise again");
    expect(staleExplanation(list, 9)).toBe(STALE_HEADLINE);
  });
});

describe("counts and totals", () => {
  const list = [
    summary(0),
    summary(1, { cacheHit: true, promptTokens: 999, costUsd: 5 }),
    summary(2, { stale: true, promptTokens: 50, completionTokens: 5, costUsd: 0.002 }),
    summary(3, { status: "failed", promptTokens: 10, completionTokens: 0, costUsd: 0.001 }),
    summary(4, { status: "missing", promptTokens: null, completionTokens: null, costUsd: null }),
  ];

  it("counts what a run would summarise: missing, failed and stale", () => {
    expect(cascadeCounts(list)).toEqual({ total: 5, ok: 3, failed: 1, missing: 1, stale: 1, toSummarise: 3 });
  });

  it("sums calls, tokens and cost without cache hits or missing entries", () => {
    const totals = totalsOf(list);
    expect(totals).toMatchObject({ calls: 3, cacheHits: 1, promptTokens: 160, completionTokens: 25 });
    expect(totals.costUsd).toBeCloseTo(0.003, 10);
  });
});

describe("formatChange", () => {
  it("gives the relative change of a draft against production", () => {
    expect(formatChange(120, 100)).toBe("+20%");
    expect(formatChange(92, 100)).toBe("−8%");
    expect(formatChange(100.5, 100)).toBe("+0.5%");
    expect(formatChange(5, 5)).toBe("same");
    expect(formatChange(3, 0)).toBe("new");
    expect(formatChange(0, 0)).toBe("same");
    expect(formatChange(Number.NaN, 1)).toBeNull();
  });
});

describe("run results and JSON", () => {
  it("describes a cascade run in one line", () => {
    expect(
      runResultText({
        calls: 1,
        cacheHits: 2,
        skipped: 3,
        failed: 0,
        blocked: 0,
        promptTokens: 1000,
        completionTokens: 200,
        costUsd: 0,
      }),
    ).toBe("1 call, 2 cache hits, 3 already summarised, 1,000 in · 200 out tokens, $0");
    expect(
      runResultText({
        calls: 4,
        cacheHits: 0,
        skipped: 0,
        failed: 2,
        blocked: 3,
        promptTokens: 1,
        completionTokens: 1,
        costUsd: 0.5,
      }),
    ).toContain("2 failed, 3 waiting behind a failed partition");
  });

  it("pretty-prints JSON values and JSON text, and leaves other text alone", () => {
    expect(prettyJson({ a: 1 })).toBe('{\n  "a": 1\n}');
    expect(prettyJson('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(prettyJson("not json <b>")).toBe("not json <b>");
    expect(prettyJson(null)).toBe("–");
  });
});

describe("datedPartitions", () => {
  it("dates a card only by the partition with the same seq and content", () => {
    const partitions = [
      {
        seq: 0,
        contentHash: "hash-0",
        count: 50,
        startTs: "2001-03-04T10:00:00.000Z",
        endTs: "2001-05-06T09:00:00.000Z",
      },
      {
        seq: 1,
        contentHash: "other",
        count: 40,
        startTs: "2001-06-01T00:00:00.000Z",
        endTs: "2001-06-01T23:00:00.000Z",
      },
      {
        seq: 2,
        contentHash: "hash-2",
        count: 1,
        startTs: "2001-07-01T00:00:00.000Z",
        endTs: "2001-07-01T05:00:00.000Z",
      },
    ];
    const map = datedPartitions(partitions, [summary(0), summary(1), summary(2), summary(3)]);
    expect([...map.keys()]).toEqual([0, 2]);
    expect(map.get(0)).toEqual({ dates: "2001-03-04 – 2001-05-06", count: 50 });
    expect(map.get(2)).toEqual({ dates: "2001-07-01", count: 1 });
  });
});

describe("missingExplanation", () => {
  it("blames the nearest earlier failure, since each summary needs the previous one", () => {
    const list = [
      summary(0),
      summary(1, { status: "failed" }),
      summary(2, { status: "missing" }),
      summary(3, { status: "missing" }),
    ];
    expect(missingExplanation(list, 3)).toContain("stopped at partition 2, which failed");
    expect(missingExplanation([summary(0), summary(1, { status: "missing" })], 1)).toBe(
      "No summary for this partition under this prompt version yet.",
    );
  });
});
