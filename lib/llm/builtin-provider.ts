import { jensenShannonDivergence } from "../liber/ubsp";
import { estimateChatTokens, estimateTokens } from "./tokens";
import {
  INTEREST_LABEL_MAX_CHARS,
  interestSummarySchema,
  LlmCallError,
  systemClock,
  type BehaviorItem,
  type Clock,
  type InterestSummary,
  type InterestWeight,
  type LlmProvider,
  type SummariseContext,
  type SummariseParams,
  type SummariseRequest,
  type SummariseResult,
} from "./types";

/**
 * Provider "builtin", model "liber-extractive-v1": a deterministic, rule-based summariser
 * that runs offline. It is NOT a language model and its text says so. It reads the
 * structured context (not the prompt), so the demo, tests and benchmarks work without an
 * API key and the same input always gives the same summary.
 *
 * How it scores:
 *   - each behaviour has a signal weight: a rating r on scale S counts (r/S)^2 (liked items
 *     dominate, a 1-star rating barely counts); a play/count value v counts 1 + log2(1 + v);
 *     a behaviour without a value counts 1;
 *   - and a recency weight: 0.5^(age / span), age measured back from the end of the
 *     partition (at least a day), so the oldest behaviour counts half as much as the newest;
 *   - a behaviour's weight is split evenly over its categories; the top categories,
 *     renormalised, are the interests;
 *   - the shift compares these interest weights with the previous summary's using the
 *     Jensen-Shannon divergence (base 2, so 0 = same, 1 = disjoint).
 */

export const BUILTIN_PROVIDER = "builtin";
export const BUILTIN_MODEL = "liber-extractive-v1";

const DAY_MS = 86_400_000;
const UNCATEGORISED = "uncategorised";
/** An interest must move this much (in weight, 0..1) to be called emerging or fading. */
const SHIFT_THRESHOLD = 0.08;
const MAX_TITLE_CHARS = 80;

export interface BuiltinOptions {
  /** Interests returned (top categories). Default 5. */
  maxInterests?: number;
  clock?: Clock;
}

export interface CategoryShare {
  label: string;
  /** Share of the partition's weighted signal, 0..1; all shares sum to 1. */
  share: number;
}

export interface InterestChange {
  label: string;
  previous: number;
  current: number;
}

export interface ShiftAnalysis {
  /** Jensen-Shannon divergence between previous and current interest weights, 0..1. */
  divergence: number;
  level: "stable" | "moderate" | "strong";
  emerging: InterestChange[];
  fading: InterestChange[];
  stable: InterestChange[];
}

export interface PartitionAnalysis {
  behaviorCount: number;
  /** All categories, strongest first. */
  categories: CategoryShare[];
  interests: InterestWeight[];
  representativeTitles: string[];
  /** Decades of the titles' years, most frequent first. */
  eras: Array<{ decade: number; share: number }>;
  ratings: { scale: number; count: number; mean: number; highShare: number; lowShare: number } | null;
  plays: { count: number; total: number; median: number } | null;
  /** Null for a first partition, or when the previous summary has no interests. */
  shift: ShiftAnalysis | null;
}

const isRatingKind = (kind: string) => /rat|score|star/i.test(kind);

/** Sort helper that does not depend on the process locale (localeCompare does). */
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function ratingScale(behaviors: readonly BehaviorItem[]): number {
  let max = 0;
  for (const b of behaviors) if (isRatingKind(b.kind) && b.value !== null && b.value > max) max = b.value;
  return max <= 5 ? 5 : max <= 10 ? 10 : 100;
}

function signalWeight(item: BehaviorItem, scale: number): number {
  if (item.value === null || !Number.isFinite(item.value)) return 1;
  if (isRatingKind(item.kind)) return Math.max(0, item.value / scale) ** 2;
  return 1 + Math.log2(1 + Math.max(0, item.value));
}

function recencyWeight(ts: number, range: { start: number; end: number }): number {
  const halfLife = Math.max(DAY_MS, range.end - range.start);
  const age = Math.max(0, range.end - Math.min(ts, range.end));
  return 0.5 ** (age / halfLife);
}

/** Categories merged case-insensitively, displayed as first seen. */
function categoryKeys(item: BehaviorItem, names: Map<string, string>): string[] {
  const keys = new Set<string>();
  for (const raw of item.categories) {
    const label = [...raw.trim().replace(/\s+/g, " ")].slice(0, INTEREST_LABEL_MAX_CHARS).join("");
    if (!label) continue;
    const key = label.toLowerCase();
    if (!names.has(key)) names.set(key, label);
    keys.add(key);
  }
  if (keys.size === 0) {
    names.set(UNCATEGORISED, UNCATEGORISED);
    keys.add(UNCATEGORISED);
  }
  return [...keys];
}

/** The year a title refers to: "Toy Story (1995)" first, else the last plausible year in it. */
export function titleYear(title: string): number | null {
  const trailing = /\((\d{4})\)\s*$/.exec(title);
  if (trailing) return Number(trailing[1]);
  const years = [...title.matchAll(/\b(1[89]\d{2}|20\d{2})\b/g)];
  const last = years.at(-1);
  return last ? Number(last[1]) : null;
}

function normalise(weights: ReadonlyMap<string, number>): Map<string, number> {
  let total = 0;
  for (const w of weights.values()) total += Math.max(0, w);
  const out = new Map<string, number>();
  if (total <= 0) return out;
  for (const [label, w] of weights) out.set(label, Math.max(0, w) / total);
  return out;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function analyseShift(current: InterestWeight[], previous: InterestWeight[]): ShiftAnalysis | null {
  const toMap = (list: InterestWeight[]) => {
    const map = new Map<string, number>();
    for (const { label, weight } of list) {
      const key = label.trim().toLowerCase();
      map.set(key, (map.get(key) ?? 0) + weight);
    }
    return normalise(map);
  };
  const before = toMap(previous);
  if (before.size === 0) return null;
  const after = toMap(current);

  const display = new Map<string, string>();
  for (const { label } of [...previous, ...current]) display.set(label.trim().toLowerCase(), label.trim());

  const changes = [...new Set([...before.keys(), ...after.keys()])].map((key) => ({
    label: display.get(key) ?? key,
    previous: round3(before.get(key) ?? 0),
    current: round3(after.get(key) ?? 0),
  }));
  const delta = (c: InterestChange) => c.current - c.previous;
  const divergence = round3(jensenShannonDivergence(Object.fromEntries(before), Object.fromEntries(after)));
  return {
    divergence,
    level: divergence < 0.05 ? "stable" : divergence < 0.2 ? "moderate" : "strong",
    emerging: changes
      .filter((c) => delta(c) >= SHIFT_THRESHOLD)
      .sort((a, b) => delta(b) - delta(a) || byText(a.label, b.label)),
    fading: changes
      .filter((c) => -delta(c) >= SHIFT_THRESHOLD)
      .sort((a, b) => delta(a) - delta(b) || byText(a.label, b.label)),
    stable: changes
      .filter((c) => Math.abs(delta(c)) < SHIFT_THRESHOLD && c.previous > 0 && c.current > 0)
      .sort((a, b) => b.current - a.current || byText(a.label, b.label)),
  };
}

/** The numbers behind the built-in summary; pure and deterministic. */
export function analysePartition(context: SummariseContext, maxInterests = 5): PartitionAnalysis {
  const { behaviors, timeRange } = context;
  const scale = ratingScale(behaviors);
  const names = new Map<string, string>();

  const scored = behaviors.map((item) => {
    const signal = signalWeight(item, scale);
    return { item, signal, weight: signal * recencyWeight(item.ts, timeRange), keys: categoryKeys(item, names) };
  });
  // All-zero signals (e.g. every rating 0) fall back to counting behaviours.
  const useCounts = scored.every((s) => s.weight <= 0);

  const categoryMass = new Map<string, number>();
  for (const { weight, keys } of scored) {
    const each = (useCounts ? 1 : weight) / keys.length;
    for (const key of keys) categoryMass.set(key, (categoryMass.get(key) ?? 0) + each);
  }
  const categories = [...normalise(categoryMass)]
    .map(([key, share]) => ({ key, label: names.get(key) ?? key, share }))
    .sort((a, b) => b.share - a.share || byText(a.key, b.key));

  const top = categories.slice(0, Math.max(1, maxInterests));
  const topTotal = top.reduce((sum, c) => sum + c.share, 0);
  const interests = top.map((c) => ({ label: c.label, weight: round3(topTotal > 0 ? c.share / topTotal : 0) }));

  // Representative titles: the best-liked behaviours within the three dominant categories
  // (by signal alone, so a favourite early in the period is not outranked by a lukewarm
  // late one), the more recent first among equals.
  const dominant = new Set(categories.slice(0, 3).map((c) => c.key));
  const representativeTitles: string[] = [];
  for (const { item } of scored
    .filter((s) => s.keys.some((k) => dominant.has(k)))
    .sort((a, b) => b.signal - a.signal || b.item.ts - a.item.ts || byText(a.item.title, b.item.title))) {
    const title = item.title.trim().replace(/\s+/g, " ");
    if (title && !representativeTitles.includes(title)) representativeTitles.push(title);
    if (representativeTitles.length === 3) break;
  }

  const decadeCounts = new Map<number, number>();
  let dated = 0;
  for (const { item } of scored) {
    const year = titleYear(item.title);
    if (year === null) continue;
    dated++;
    const decade = Math.floor(year / 10) * 10;
    decadeCounts.set(decade, (decadeCounts.get(decade) ?? 0) + 1);
  }
  const eras = [...decadeCounts]
    .map(([decade, count]) => ({ decade, share: round3(count / dated) }))
    .sort((a, b) => b.share - a.share || b.decade - a.decade);

  const ratingValues = behaviors
    .filter((b) => isRatingKind(b.kind) && b.value !== null && Number.isFinite(b.value))
    .map((b) => b.value!);
  const ratings =
    ratingValues.length === 0
      ? null
      : {
          scale,
          count: ratingValues.length,
          mean: Math.round((ratingValues.reduce((s, v) => s + v, 0) / ratingValues.length) * 100) / 100,
          highShare: round3(ratingValues.filter((v) => v >= 0.8 * scale).length / ratingValues.length),
          lowShare: round3(ratingValues.filter((v) => v <= 0.4 * scale).length / ratingValues.length),
        };

  const playValues = behaviors
    .filter((b) => !isRatingKind(b.kind) && b.value !== null && Number.isFinite(b.value))
    .map((b) => b.value!);
  const plays =
    playValues.length === 0
      ? null
      : { count: playValues.length, total: playValues.reduce((s, v) => s + v, 0), median: median(playValues) };

  return {
    behaviorCount: behaviors.length,
    categories: categories.map(({ label, share }) => ({ label, share: round3(share) })),
    interests,
    representativeTitles,
    eras,
    ratings,
    plays,
    shift: context.previous ? analyseShift(interests, context.previous.interests) : null,
  };
}

const percent = (share: number) => `${Math.round(share * 100)}%`;
const points = (delta: number) => `${delta >= 0 ? "+" : "-"}${Math.round(Math.abs(delta) * 100)} pts`;
const shortTitle = (title: string) =>
  [...title].length <= MAX_TITLE_CHARS ? title : `${[...title].slice(0, MAX_TITLE_CHARS - 1).join("")}…`;
const isoDate = (ts: number) => new Date(ts).toISOString().slice(0, 10);
const formatNumber = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));

function summaryText(context: SummariseContext, a: PartitionAnalysis): string {
  const sentences = [
    `Built-in extractive summary (rule-based, not an LLM) of partition ${context.partitionIndex}, ` +
      `${isoDate(context.timeRange.start)} to ${isoDate(context.timeRange.end)}: ` +
      `${a.behaviorCount} behaviour${a.behaviorCount === 1 ? "" : "s"}.`,
    `Dominant categories: ${a.categories
      .slice(0, 3)
      .map((c) => `${c.label} (${percent(c.share)})`)
      .join(", ")}.`,
  ];
  if (a.representativeTitles.length > 0) {
    sentences.push(`Representative titles: ${a.representativeTitles.map(shortTitle).join("; ")}.`);
  }
  const eras = a.eras.filter((e) => e.share >= 0.15).slice(0, 2);
  if (eras[0]) {
    const [main, second] = eras;
    sentences.push(
      `Eras: ${main.share >= 0.5 ? "mostly " : ""}${main.decade}s titles (${percent(main.share)})` +
        (second ? `, also ${second.decade}s (${percent(second.share)})` : "") +
        ".",
    );
  }
  if (a.ratings) {
    const r = a.ratings;
    sentences.push(
      `Ratings: mean ${formatNumber(r.mean)} of ${r.scale} over ${r.count}; ` +
        `${percent(r.highShare)} at ${formatNumber(0.8 * r.scale)} or higher, ` +
        `${percent(r.lowShare)} at ${formatNumber(0.4 * r.scale)} or lower.`,
    );
  }
  if (a.plays) {
    sentences.push(
      `Plays: ${formatNumber(a.plays.total)} in total over ${a.plays.count} items (median ${formatNumber(a.plays.median)}).`,
    );
  }
  return sentences.join(" ");
}

function shiftText(context: SummariseContext, a: PartitionAnalysis): string {
  if (!context.previous) return "First partition: there is no previous summary to compare with.";
  const s = a.shift;
  if (!s) return "The previous summary lists no interests, so no shift can be measured.";
  const describe = (c: InterestChange) =>
    c.previous === 0
      ? `${c.label} (new, ${percent(c.current)})`
      : c.current === 0
        ? `${c.label} (dropped, was ${percent(c.previous)})`
        : `${c.label} (${points(c.current - c.previous)})`;
  const parts = [
    `Shift versus the previous partition: ${s.level} (Jensen-Shannon divergence ${s.divergence.toFixed(3)} over interest weights).`,
  ];
  if (s.emerging.length > 0) parts.push(`Emerging: ${s.emerging.slice(0, 3).map(describe).join(", ")}.`);
  if (s.fading.length > 0) parts.push(`Fading: ${s.fading.slice(0, 3).map(describe).join(", ")}.`);
  if (s.stable.length > 0)
    parts.push(
      `Stable: ${s.stable
        .slice(0, 3)
        .map((c) => c.label)
        .join(", ")}.`,
    );
  return parts.join(" ");
}

/** Builds the summary without timing or metadata; what `BuiltinProvider.summarise` returns. */
export function builtinSummary(context: SummariseContext, maxInterests = 5): InterestSummary {
  const analysis = analysePartition(context, maxInterests);
  return interestSummarySchema.parse({
    summary: summaryText(context, analysis),
    shift: shiftText(context, analysis),
    interests: analysis.interests,
  });
}

export class BuiltinProvider implements LlmProvider {
  readonly provider = BUILTIN_PROVIDER;
  readonly endpoint = null;
  readonly readsContext = true;
  readonly #maxInterests: number;
  readonly #clock: Clock;

  constructor(options: BuiltinOptions = {}) {
    this.#maxInterests = options.maxInterests ?? 5;
    this.#clock = options.clock ?? systemClock;
  }

  /** The model is fixed and temperature is meaningless for a deterministic summariser. */
  resolveParams(params: Partial<SummariseParams> = {}): SummariseParams {
    return { model: BUILTIN_MODEL, temperature: 0, maxTokens: params.maxTokens ?? 1024 };
  }

  async summarise(request: SummariseRequest): Promise<SummariseResult> {
    const params = this.resolveParams(request.params);
    const startedAt = this.#clock.now();
    const promptTokens = estimateChatTokens([
      { role: "system", content: request.system },
      { role: "user", content: request.user },
    ]);
    const fail = (kind: "invalid_request" | "validation" | "aborted", message: string) =>
      new LlmCallError(`${BUILTIN_PROVIDER} ${BUILTIN_MODEL}: ${kind}: ${message}`, {
        kind,
        retryable: false,
        provider: BUILTIN_PROVIDER,
        model: BUILTIN_MODEL,
        attempts: [
          { attempt: 1, phase: "primary", status: "failed", error: message, durationMs: this.#clock.now() - startedAt },
        ],
        raw: null,
        promptTokens,
        completionTokens: 0,
        latencyMs: this.#clock.now() - startedAt,
      });

    if (request.signal?.aborted) throw fail("aborted", "cancelled by the caller");
    if (request.context.behaviors.length === 0) throw fail("invalid_request", "the partition has no behaviours");

    let summary: InterestSummary;
    try {
      summary = builtinSummary(request.context, this.#maxInterests);
    } catch (error) {
      throw fail("validation", error instanceof Error ? error.message : String(error));
    }
    const rawResponse = JSON.stringify(summary);
    const latencyMs = this.#clock.now() - startedAt;
    return {
      summary,
      meta: {
        provider: BUILTIN_PROVIDER,
        endpoint: null,
        model: BUILTIN_MODEL,
        params,
        promptTokens,
        completionTokens: estimateTokens(rawResponse),
        tokensEstimated: true,
        costUsd: 0,
        latencyMs,
        attempts: [{ attempt: 1, phase: "primary", status: "ok", durationMs: latencyMs }],
        rawResponse,
        finishReason: "stop",
        responseFormat: "none",
        repaired: false,
      },
    };
  }
}
