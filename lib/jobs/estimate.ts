import { pool } from "../db/client";
import { estimateChatTokens, type LlmProvider, type SummariseParams } from "../llm";
import { partitionConfigSchema, replay } from "../liber/ubsp";
import { requireConfig } from "../partitions/configs";
import { populationStream, userEvents, userIndex } from "../partitions/population";
import { DEFAULT_PRICING } from "../partitions/schemas";
import { expectedChain, promptIdentity } from "../summaries/chain";
import type { ResolvedPrompt } from "../summaries/prompts";
import type { LlmSettingsValues, PriceTable } from "../summaries/settings";
import { loadPartitions, okSummaryHashes } from "../summaries/store";
import type { RunEstimate } from "./types";

/**
 * What a run would do before it is started: per user, the cascade's input-hash chain
 * (lib/summaries/chain.ts) over the partitions the run will have, checked against the stored
 * summaries. A partition with an ok summary for its input hash under the run's config is
 * already done; one whose input hash has an ok summary under another config (the same
 * partition content, prompt and model: e.g. a new config version that leaves a user's
 * partitions as they were) is answered from the response cache; the rest are LLM calls.
 * Tokens and seconds per call come from this provider and model's past traces when there are
 * enough of them, else from the what-if preview's defaults; money from the price table.
 */

const MIN_HISTORY_CALLS = 20;
const DEFAULT_LATENCY_MS: Record<string, number> = { builtin: 2, openai: 2500 };

export interface EstimateInput {
  configId: number;
  prompt: ResolvedPrompt;
  provider: LlmProvider;
  params?: Partial<SummariseParams>;
  settings: LlmSettingsValues;
  prices: PriceTable;
  userIds: readonly number[];
  /** The run repartitions first: partitions come from a replay of the log, not from storage. */
  repartition: boolean;
  summarise: boolean;
}

interface PartitionShape {
  contentHash: string;
  count: number;
}

export async function estimateRun(input: EstimateInput): Promise<RunEstimate> {
  return (await estimateRunByUser(input)).estimate;
}

/**
 * The estimate and, per user id, the partitions the run will work on for that user (LLM calls
 * and cache hits; 0 when nothing is left or the run does not summarise). The worker claims the
 * users with the most first: a user's cascade is sequential, so a long one started last would
 * be the run's tail, with few calls in flight (longest-processing-time-first).
 */
export async function estimateRunByUser(
  input: EstimateInput,
): Promise<{ estimate: RunEstimate; workByUser: Map<number, number> }> {
  const params = input.provider.resolveParams(input.params);
  const chainSettings = {
    promptIdentity: promptIdentity(input.prompt),
    provider: input.provider.provider,
    model: params.model,
    params,
  };
  const byUser = input.repartition
    ? await replayedPartitions(input.configId, input.userIds)
    : await storedPartitions(input.configId, input.userIds);

  let partitions = 0;
  let alreadyDone = 0;
  let cacheHits = 0;
  let events = 0;
  const workByUser = new Map<number, number>();
  const CHUNK = 1000;
  for (let i = 0; i < input.userIds.length; i += CHUNK) {
    const chunk = input.userIds.slice(i, i + CHUNK);
    const done = await okSummaryHashes(input.configId, input.prompt.id!, chunk);
    const missing: { hash: string; count: number }[] = [];
    for (const userId of chunk) {
      let work = 0;
      const list = byUser.get(userId) ?? [];
      partitions += list.length;
      const chain = expectedChain(
        chainSettings,
        list.map((p) => p.contentHash),
      );
      const stored = done.get(userId);
      chain.forEach((hash, k) => {
        if (stored?.has(hash)) alreadyDone++;
        else {
          missing.push({ hash, count: list[k]!.count });
          work++;
        }
      });
      if (input.summarise && work > 0) workByUser.set(userId, work);
    }
    if (missing.length === 0) continue;
    const { rows } = await pool().query<{ input_hash: string }>(
      `SELECT DISTINCT input_hash FROM partition_summaries WHERE user_id = ANY($1::int[]) AND status = 'ok' AND input_hash = ANY($2::text[])`,
      [chunk, missing.map((m) => m.hash)],
    );
    const known = new Set(rows.map((r) => r.input_hash));
    for (const m of missing) {
      if (known.has(m.hash)) cacheHits++;
      else events += m.count;
    }
  }
  const toSummarise = input.summarise ? partitions - alreadyDone - cacheHits : 0;
  if (!input.summarise) events = 0;

  const history = await callHistory(input.provider.provider, params.model);
  const basis: RunEstimate["basis"] = history.calls >= MIN_HISTORY_CALLS ? "history" : "defaults";
  const notes: string[] = [];
  let promptTokens: number;
  let completionTokens: number;
  if (basis === "history") {
    promptTokens = Math.round(toSummarise * history.promptBase + events * history.promptPerEvent);
    completionTokens = Math.round(toSummarise * history.completion);
  } else {
    // Rendered size of the prompt templates themselves, plus the preview's per-event default.
    const base = estimateChatTokens([
      { role: "system", content: input.prompt.system },
      { role: "user", content: input.prompt.userTemplate },
    ]);
    promptTokens =
      toSummarise * Math.max(base, DEFAULT_PRICING.basePromptTokens) + events * DEFAULT_PRICING.tokensPerEvent;
    completionTokens = toSummarise * Math.min(DEFAULT_PRICING.outputTokensPerCall, params.maxTokens);
    if (toSummarise > 0)
      notes.push(
        `fewer than ${MIN_HISTORY_CALLS} past calls of ${input.provider.provider}/${params.model}: tokens per call are defaults`,
      );
  }
  const costUsd = input.prices.cost(input.provider.provider, params.model, promptTokens, completionTokens);
  if (costUsd === null && toSummarise > 0)
    notes.push(`no price for ${input.provider.provider}/${params.model}: cost unknown (Settings -> prices)`);

  const latencyMs = basis === "history" ? history.latencyMs : (DEFAULT_LATENCY_MS[input.provider.provider] ?? 2500);
  const concurrency = Math.max(1, input.settings.maxConcurrency);
  let seconds = (toSummarise * latencyMs) / 1000 / concurrency;
  if (input.settings.tokensPerMinute) seconds = Math.max(seconds, (promptTokens / input.settings.tokensPerMinute) * 60);
  if (input.repartition)
    notes.push("partitions counted from a replay of the log under the config (what repartitioning will store)");

  const estimate: RunEstimate = {
    users: input.userIds.length,
    partitions,
    alreadyDone,
    cacheHits: input.summarise ? cacheHits : 0,
    toSummarise,
    promptTokens,
    completionTokens,
    costUsd,
    seconds: Math.round(seconds * 10) / 10,
    provider: input.provider.provider,
    model: params.model,
    basis,
    notes,
  };
  return { estimate, workByUser };
}

async function storedPartitions(configId: number, userIds: readonly number[]): Promise<Map<number, PartitionShape[]>> {
  const all = await loadPartitions(configId, userIds);
  return new Map([...all].map(([u, list]) => [u, list.map((p) => ({ contentHash: p.contentHash, count: p.count }))]));
}

async function replayedPartitions(
  configId: number,
  userIds: readonly number[],
): Promise<Map<number, PartitionShape[]>> {
  const view = await requireConfig(configId);
  const config = partitionConfigSchema.parse(view.config);
  const stream = await populationStream();
  const out = new Map<number, PartitionShape[]>();
  for (const userId of userIds) {
    const u = userIndex(stream, userId);
    if (u < 0) continue;
    const { sealed } = replay(config, userEvents(stream, u), { histograms: false });
    out.set(
      userId,
      sealed.map((p) => ({ contentHash: p.contentHash, count: p.count })),
    );
  }
  return out;
}

interface CallHistory {
  calls: number;
  promptBase: number;
  promptPerEvent: number;
  completion: number;
  latencyMs: number;
}

/**
 * The last 500 successful calls of this provider and model: a least-squares line of prompt
 * tokens over partition size, mean completion tokens and latency.
 */
async function callHistory(provider: string, model: string): Promise<CallHistory> {
  const { rows } = await pool().query<{ pt: number; ct: number; ms: number; n: number }>(
    `SELECT c.prompt_tokens AS pt, c.completion_tokens AS ct, c.latency_ms AS ms, coalesce(p.count, 0) AS n
     FROM llm_calls c LEFT JOIN partitions p ON p.user_id = c.user_id AND p.config_id = c.config_id AND p.seq = c.seq
     WHERE c.provider = $1 AND c.model = $2 AND c.status = 'ok' AND NOT c.cache_hit
     ORDER BY c.id DESC LIMIT 500`,
    [provider, model],
  );
  const n = rows.length;
  if (n === 0) return { calls: 0, promptBase: 0, promptPerEvent: 0, completion: 0, latencyMs: 0 };
  const mean = (f: (r: (typeof rows)[number]) => number) => rows.reduce((s, r) => s + f(r), 0) / n;
  const mx = mean((r) => r.n);
  const my = mean((r) => r.pt);
  const sxx = rows.reduce((s, r) => s + (r.n - mx) ** 2, 0);
  const sxy = rows.reduce((s, r) => s + (r.n - mx) * (r.pt - my), 0);
  const slope = sxx > 0 ? Math.max(0, sxy / sxx) : 0;
  return {
    calls: n,
    promptBase: Math.max(0, my - slope * mx),
    promptPerEvent: slope,
    completion: mean((r) => r.ct),
    latencyMs: mean((r) => r.ms),
  };
}
