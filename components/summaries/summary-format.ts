import type { PartitionView } from "@/lib/partitions/api-client";
import type { CascadeRunResult, CascadeSummary, Interest, RunTotals } from "@/lib/summaries/contract";
import { bandDates, bandTitle } from "@/components/partitions/bands";

// Pure display logic of the cascade cards, the trace drawer and the playground totals.
// No React here, so it is tested without a DOM.

export const BUILTIN_PROVIDER = "builtin";

const integer = new Intl.NumberFormat("en-US");

/**
 * Dollars at a precision that shows what a call costs: fractions of a cent keep two
 * significant digits ($0.00042), cents and dollars two decimals. Zero is "$0" (the builtin
 * provider and cache hits cost nothing); unknown is a dash.
 */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return "–";
  if (usd === 0) return "$0";
  const sign = usd < 0 ? "-" : "";
  const abs = Math.abs(usd);
  if (abs < 0.000001) return `${sign}<$0.000001`;
  if (abs < 0.01) return `${sign}$${abs.toPrecision(2).replace(/(\.\d*?[1-9])0+$/, "$1")}`;
  return `${sign}$${abs.toFixed(2)}`;
}

/** "1,234"; a dash when unknown. */
export function formatTokenCount(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? "–" : integer.format(n);
}

/** "1,234 in · 210 out tokens", or a dash when neither is known. */
export function formatTokens(
  promptTokens: number | null | undefined,
  completionTokens: number | null | undefined,
): string {
  if ((promptTokens ?? null) === null && (completionTokens ?? null) === null) return "–";
  return `${formatTokenCount(promptTokens)} in · ${formatTokenCount(completionTokens)} out tokens`;
}

export function isBuiltinProvider(provider: string | null | undefined): boolean {
  return provider === BUILTIN_PROVIDER;
}

/**
 * The provenance badge of a summary. The builtin provider is a rule-based summariser; its
 * texts must never pass for an LLM's, so its badge says so in words.
 */
export function providerLabel(provider: string | null | undefined, model: string | null | undefined): string {
  const name = provider ?? "unknown provider";
  const base = model ? `${name} · ${model}` : name;
  return isBuiltinProvider(provider) ? `${base} — not an LLM` : base;
}

/** Interests strongest first; weights outside 0..1 are clamped for display. */
export function rankedInterests(interests: readonly Interest[]): Interest[] {
  return interests
    .map((i) => ({ label: i.label, weight: clampWeight(i.weight) }))
    .sort((a, b) => b.weight - a.weight || a.label.localeCompare(b.label));
}

export function clampWeight(weight: number): number {
  return Number.isFinite(weight) ? Math.min(1, Math.max(0, weight)) : 0;
}

/** Width of the weight bar (percent) and the chip's opacity: a weak interest fades but stays legible. */
export function interestStyle(weight: number): { barPercent: number; opacity: number } {
  const w = clampWeight(weight);
  return { barPercent: Math.round(w * 100), opacity: Math.round((0.55 + 0.45 * w) * 100) / 100 };
}

/** "Partition 3" for seq 2: the cards use the timeline's numbering (from 1), so both agree. */
export function partitionTitle(seq: number): string {
  return bandTitle({ seq, open: false });
}

/** A card's heading facts about its partition. */
export interface CardPartition {
  dates: string;
  count: number;
}

/**
 * Dates and sizes for the cards, by seq, from the partitions the timeline shows. A card is
 * only dated by the partition it summarises (same content hash), never by one that merely
 * has the same seq under other thresholds.
 */
export function datedPartitions(
  partitions: readonly Pick<PartitionView, "seq" | "contentHash" | "count" | "startTs" | "endTs">[],
  summaries: readonly Pick<CascadeSummary, "seq" | "partitionContentHash">[],
): Map<number, CardPartition> {
  const bySeq = new Map(partitions.map((p) => [p.seq, p]));
  const out = new Map<number, CardPartition>();
  for (const s of summaries) {
    const p = bySeq.get(s.seq);
    if (p && p.contentHash === s.partitionContentHash) {
      out.set(s.seq, { dates: bandDates({ start: Date.parse(p.startTs), end: Date.parse(p.endTs) }), count: p.count });
    }
  }
  return out;
}

export const STALE_HEADLINE = "stale: an earlier summary changed";

/**
 * Why a stale summary is stale, as precisely as the list allows: its text was built on the
 * summary of an earlier partition, and that one has since been rewritten (a later createdAt)
 * or is gone (failed/missing). The nearest such partition is named.
 */
export function staleExplanation(summaries: readonly CascadeSummary[], index: number): string {
  const entry = summaries[index];
  if (!entry) return STALE_HEADLINE;
  const writtenAt = entry.createdAt ? Date.parse(entry.createdAt) : Number.NaN;
  for (let i = index - 1; i >= 0; i--) {
    const earlier = summaries[i]!;
    if (earlier.status !== "ok") {
      return `${STALE_HEADLINE}: ${partitionTitle(earlier.seq).toLowerCase()} has no summary now (${earlier.status}). Summarise again to rebuild the cascade from there.`;
    }
    const earlierAt = earlier.createdAt ? Date.parse(earlier.createdAt) : Number.NaN;
    if (Number.isFinite(writtenAt) && Number.isFinite(earlierAt) && earlierAt > writtenAt) {
      return `${STALE_HEADLINE}: ${partitionTitle(earlier.seq).toLowerCase()} was summarised again after this one was written, so this text rests on a previous version of it. Summarise again to refresh it.`;
    }
  }
  return `${STALE_HEADLINE}: this text rests on a previous version of an earlier summary. Summarise again to refresh it.`;
}

/**
 * Why a partition has no summary: the cascade needs the previous summary, so after a failed
 * partition every later one waits; otherwise it has simply not been run under this version.
 */
export function missingExplanation(summaries: readonly CascadeSummary[], index: number): string {
  for (let i = index - 1; i >= 0; i--) {
    const earlier = summaries[i]!;
    if (earlier.status === "failed") {
      return `Not summarised: the cascade stopped at ${partitionTitle(earlier.seq).toLowerCase()}, which failed; each summary needs the one before it.`;
    }
  }
  return "No summary for this partition under this prompt version yet.";
}

export interface CascadeCounts {
  total: number;
  ok: number;
  failed: number;
  missing: number;
  stale: number;
  /** Partitions a cascade run would (re)summarise: missing, failed or stale. */
  toSummarise: number;
}

export function cascadeCounts(summaries: readonly CascadeSummary[]): CascadeCounts {
  const counts: CascadeCounts = { total: summaries.length, ok: 0, failed: 0, missing: 0, stale: 0, toSummarise: 0 };
  for (const s of summaries) {
    counts[s.status]++;
    if (s.stale) counts.stale++;
    if (s.status !== "ok" || s.stale) counts.toSummarise++;
  }
  return counts;
}

/** Totals of the summaries shown (cache hits cost nothing again, so they are not counted). */
export function totalsOf(summaries: readonly CascadeSummary[]): RunTotals {
  const totals: RunTotals = { calls: 0, cacheHits: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 };
  for (const s of summaries) {
    if (s.status === "missing") continue;
    if (s.cacheHit) {
      totals.cacheHits++;
      continue;
    }
    totals.calls++;
    totals.promptTokens += s.promptTokens ?? 0;
    totals.completionTokens += s.completionTokens ?? 0;
    totals.costUsd += s.costUsd ?? 0;
  }
  return totals;
}

/**
 * "+12%" / "−8%" / "same" for a draft figure against production's; null when there is
 * nothing to compare (production is zero and so is the draft, or either is unknown).
 */
export function formatChange(draft: number, production: number): string | null {
  if (!Number.isFinite(draft) || !Number.isFinite(production)) return null;
  if (draft === production) return "same";
  if (production === 0) return draft > 0 ? "new" : null;
  const percent = ((draft - production) / production) * 100;
  const rounded = Math.abs(percent) < 1 ? percent.toFixed(1) : Math.round(percent).toString();
  return `${percent > 0 ? "+" : "−"}${rounded.replace("-", "")}%`;
}

/** Text of the result of a cascade run, for the status line after "Summarise". */
export function runResultText(result: Omit<CascadeRunResult, "runId" | "durationMs">): string {
  const parts = [
    `${integer.format(result.calls)} call${result.calls === 1 ? "" : "s"}`,
    `${integer.format(result.cacheHits)} cache hit${result.cacheHits === 1 ? "" : "s"}`,
    `${integer.format(result.skipped)} already summarised`,
  ];
  if (result.failed > 0) parts.push(`${integer.format(result.failed)} failed`);
  if (result.blocked) parts.push(`${integer.format(result.blocked)} waiting behind a failed partition`);
  parts.push(formatTokens(result.promptTokens, result.completionTokens), formatCost(result.costUsd));
  return parts.join(", ");
}

/** Milliseconds for the attempts table: "0 ms" is a real value, a missing one is a dash. */
export function formatMs(ms: number | null | undefined): string {
  return ms === null || ms === undefined || !Number.isFinite(ms) ? "–" : `${integer.format(Math.round(ms))} ms`;
}

/** A JSON value for a <pre> block: strings as they are, anything else pretty-printed. */
export function prettyJson(value: unknown): string {
  if (value === null || value === undefined) return "–";
  if (typeof value === "string") {
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  return JSON.stringify(value, null, 2);
}
