import { notFound } from "../api/errors";
import { pool } from "../db/client";
import type { LlmProvider, SummariseParams } from "../llm";
import { resolveConfigId } from "../partitions/configs";
import { requireUserId } from "../users/profile";
import type {
  CascadeRunResult,
  CascadeSummary,
  PlaygroundResult,
  PlaygroundSide,
  RunTotals,
  UserSummaries,
} from "./contract";
import {
  outcomeView,
  missingView,
  runCascade,
  RunRecorder,
  storedView,
  type CascadeProgress,
  type StepOutcome,
} from "./cascade";
import { expectedChain, promptIdentity, staleFlags } from "./chain";
import {
  getPromptVersion,
  requirePrompt,
  resolveDraft,
  toResolved,
  type PromptDraft,
  type ResolvedPrompt,
} from "./prompts";
import { currentProvider, PriceTable } from "./settings";
import { notifySummariesWritten } from "./hooks";
import { loadPartitions, loadSummaries, loadSummaryLinks, type RunKind, type SummaryLink } from "./store";
import { SUMMARY_PAGE_DEFAULT } from "./schemas";

/**
 * What the API and the CLI call: resolve the config, prompt and provider, run the cascade
 * under a run row, and shape the answers of the UIL API contract.
 */

/** A config version id, "active", or (CLI) name@version / any label. */
export type ConfigRef = number | string;
export type PromptRef = number | "production";

export interface Overrides {
  /** Tests and benchmarks: a provider instead of the one the settings select. */
  provider?: LlmProvider;
  params?: Partial<SummariseParams>;
}

export async function requireConfigId(ref: ConfigRef | undefined): Promise<number> {
  const id = await resolveConfigId(ref ?? "active");
  if (id === null) {
    throw notFound(ref === undefined || ref === "active" ? "An active partition config" : `Partition config "${ref}"`);
  }
  return id;
}

async function providerOf(overrides: Overrides): Promise<LlmProvider> {
  return overrides.provider ?? (await currentProvider()).provider;
}

export interface SummariseRunResult extends CascadeRunResult {
  status: "succeeded" | "failed";
  error: string | null;
  users: number;
  partitions: number;
  retries: number;
}

/**
 * Summarises what needs it (no summary for the partition's input hash) for some users (all
 * users with partitions by default) under one run row of the given kind.
 */
export async function summariseUsers(
  input: {
    kind: RunKind;
    config?: ConfigRef;
    prompt?: PromptRef;
    userIds?: readonly number[];
    createdBy?: string | null;
    onProgress?: (p: CascadeProgress) => void;
    signal?: AbortSignal;
  },
  overrides: Overrides = {},
): Promise<SummariseRunResult> {
  const [configId, prompt, provider, prices] = await Promise.all([
    requireConfigId(input.config),
    requirePrompt(input.prompt),
    providerOf(overrides),
    PriceTable.load(),
  ]);
  const recorder = await RunRecorder.start(
    {
      kind: input.kind,
      provider,
      params: overrides.params,
      configId,
      promptVersionId: prompt.id,
      createdBy: input.createdBy ?? null,
    },
    prices,
  );
  let outcome: Awaited<ReturnType<typeof runCascade>> | undefined;
  let failure: unknown;
  try {
    outcome = await runCascade(recorder, {
      configId,
      prompt,
      provider,
      ...(input.userIds ? { userIds: input.userIds } : {}),
      ...(overrides.params ? { params: overrides.params } : {}),
      ...(input.onProgress ? { onProgress: input.onProgress } : {}),
      ...(input.signal ? { signal: input.signal } : {}),
      concurrency: 4,
    });
  } catch (err) {
    failure = err;
  }
  await recorder.finish(failure); // rethrows `failure`
  const t = recorder.totals;
  if (t.calls + t.cacheHits > 0) {
    await notifySummariesWritten({ configId, promptVersionId: prompt.id!, userIds: input.userIds ?? null });
  }
  return {
    runId: recorder.runId,
    status: t.failed > 0 ? "failed" : "succeeded",
    error: recorder.firstError,
    users: outcome?.users ?? 0,
    partitions: outcome?.partitions ?? 0,
    calls: t.calls,
    cacheHits: t.cacheHits,
    skipped: t.skipped,
    failed: t.failed,
    blocked: t.blocked,
    retries: t.retries,
    promptTokens: t.promptTokens,
    completionTokens: t.completionTokens,
    costUsd: t.costUsd,
    durationMs: recorder.durationMs,
  };
}

/** POST /api/users/[id]/summaries/run: the cascade of one user (what needs work only). */
export async function runUserCascade(
  externalId: string,
  input: { config?: ConfigRef; prompt?: PromptRef; createdBy?: string | null },
  overrides: Overrides = {},
): Promise<CascadeRunResult> {
  const userId = await requireUserId(externalId);
  const { runId, calls, cacheHits, skipped, failed, blocked, promptTokens, completionTokens, costUsd, durationMs } =
    await summariseUsers({ kind: "cascade", ...input, userIds: [userId] }, overrides);
  return { runId, calls, cacheHits, skipped, failed, blocked, promptTokens, completionTokens, costUsd, durationMs };
}

/**
 * GET /api/users/[id]/summaries: one entry per sealed partition in seq order. The summary
 * shown for a partition is the one for its input hash under the current settings when it
 * exists, else the newest one written for it under this prompt version (another model, or
 * before something earlier in the cascade changed), flagged stale when it no longer fits.
 */
export async function getUserSummaries(
  externalId: string,
  input: { config?: ConfigRef; prompt?: PromptRef; fromSeq?: number; limit?: number },
  overrides: Overrides = {},
): Promise<UserSummaries & { usage: UserUsage }> {
  // Side by side (one round trip less per call), but an unknown user is still the first answer.
  const user = requireUserId(externalId);
  const resolved = Promise.all([requireConfigId(input.config), requirePrompt(input.prompt), providerOf(overrides)]);
  resolved.catch(() => {}); // awaited below, after the user
  const userId = await user;
  const [configId, prompt, provider] = await resolved;
  const params = provider.resolveParams(overrides.params);
  // The chain and the staleness run over the whole life (hashes only); the texts are read for
  // the page alone, so the answer's size is bounded by the page, not by the history.
  const [config, partitions, links, usage] = await Promise.all([
    pool().query<{ id: number; name: string; version: number }>(
      `SELECT id, name, version FROM partition_configs WHERE id = $1`,
      [configId],
    ),
    loadPartitions(configId, [userId]).then((m) => m.get(userId) ?? []),
    loadSummaryLinks(configId, prompt.id!, userId),
    userUsage(userId),
  ]);
  const chain = expectedChain(
    { promptIdentity: promptIdentity(prompt), provider: provider.provider, model: params.model, params },
    partitions.map((p) => p.contentHash),
  );
  const byHash = new Map<string, SummaryLink>();
  const newestBySeq = new Map<number, SummaryLink>();
  for (const row of links) {
    // Rows come newest first.
    if (!byHash.has(row.inputHash)) byHash.set(row.inputHash, row);
    if (!newestBySeq.has(row.seq)) newestBySeq.set(row.seq, row);
  }
  const shown = partitions.map((p, i) => byHash.get(chain[i]!) ?? newestBySeq.get(p.seq) ?? null);
  const stale = staleFlags(partitions, shown);

  const fromSeq = input.fromSeq ?? 0;
  const limit = input.limit ?? SUMMARY_PAGE_DEFAULT;
  const first = partitions.findIndex((p) => p.seq >= fromSeq);
  const lo = first === -1 ? partitions.length : first;
  const hi = Math.min(partitions.length, lo + limit);
  const pageIds = shown.slice(lo, hi).flatMap((l) => (l ? [l.id] : []));
  const rows = pageIds.length > 0 ? await loadSummaries(configId, prompt.id!, [userId], undefined, pageIds) : [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  const promptVersion = { id: prompt.id!, version: prompt.version! };
  // A missing summary after a failed one waits for it (the cascade needs it as "previous").
  let failedSeq: number | null = null;
  const waitingBehind = partitions.map((p, i) => {
    const row = shown[i];
    if (row?.status === "failed") failedSeq ??= p.seq;
    else if (row) failedSeq = null;
    return row ? null : failedSeq;
  });
  return {
    config: config.rows[0]!,
    prompt: { id: prompt.id!, name: prompt.name, version: prompt.version!, labels: prompt.labels },
    provider: { provider: provider.provider, model: params.model },
    summaries: partitions.slice(lo, hi).map((p, k) => {
      const link = shown[lo + k];
      const row = link ? byId.get(link.id) : undefined;
      return row
        ? storedView(row, stale[lo + k]!, promptVersion)
        : missingView(p.seq, p.contentHash, waitingBehind[lo + k]!);
    }),
    page: {
      total: partitions.length,
      fromSeq,
      limit,
      returned: hi - lo,
      nextFromSeq: hi < partitions.length ? partitions[hi]!.seq : null,
    },
    usage,
  };
}

export interface UserUsage {
  calls: number;
  cacheHits: number;
  failed: number;
  retries: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

/** Everything the LLM did for one user, over all runs (from the trace rows). */
export async function userUsage(userId: number): Promise<UserUsage> {
  const { rows } = await pool().query<UserUsage>(
    `SELECT count(*) FILTER (WHERE NOT cache_hit AND jsonb_array_length(attempts) > 0)::int AS calls,
            count(*) FILTER (WHERE cache_hit)::int AS "cacheHits",
            count(*) FILTER (WHERE status = 'failed')::int AS failed,
            coalesce(sum(greatest(jsonb_array_length(attempts) - 1, 0)), 0)::int AS retries,
            coalesce(sum(prompt_tokens), 0)::int AS "promptTokens",
            coalesce(sum(completion_tokens), 0)::int AS "completionTokens",
            coalesce(sum(cost_usd), 0)::float8 AS "costUsd"
     FROM llm_calls WHERE user_id = $1`,
    [userId],
  );
  return rows[0]!;
}

// ---------------------------------------------------------------------------------------
// Playground

export const DEFAULT_PLAYGROUND_PARTITIONS = 12;

/**
 * Runs the whole cascade of one user's first `maxPartitions` partitions with a draft (or any
 * saved version) and with the production version, side by side, without saving summaries.
 * Traces are recorded under one run of kind "playground". Stored summaries for the same
 * input hash are shown instead of being recomputed, and the cache answers what it can.
 */
export async function runPlayground(
  input: {
    user: string;
    draft: PromptDraft | { promptId: number };
    config?: ConfigRef;
    maxPartitions?: number;
    createdBy?: string | null;
  },
  overrides: Overrides = {},
): Promise<PlaygroundResult> {
  const userId = await requireUserId(input.user);
  let draft: ResolvedPrompt;
  if ("promptId" in input.draft) {
    const version = await getPromptVersion(input.draft.promptId);
    if (!version) throw notFound(`Prompt version ${input.draft.promptId}`);
    draft = toResolved(version);
  } else {
    draft = resolveDraft(input.draft);
  }
  const [configId, production, provider, prices] = await Promise.all([
    requireConfigId(input.config),
    requirePrompt("production"),
    providerOf(overrides),
    PriceTable.load(),
  ]);
  const recorder = await RunRecorder.start(
    {
      kind: "playground",
      provider,
      params: overrides.params,
      configId,
      promptVersionId: draft.id,
      createdBy: input.createdBy ?? null,
    },
    prices,
  );
  const maxPartitions = input.maxPartitions ?? DEFAULT_PLAYGROUND_PARTITIONS;
  const side = async (prompt: ResolvedPrompt): Promise<StepOutcome[]> => {
    const outcome = await runCascade(recorder, {
      configId,
      prompt,
      provider,
      userIds: [userId],
      persist: false,
      collect: true,
      maxPartitions,
      ...(overrides.params ? { params: overrides.params } : {}),
    });
    return outcome.outcomes.get(userId) ?? [];
  };
  let steps: { draft: StepOutcome[]; production: StepOutcome[] } | undefined;
  let failure: unknown;
  try {
    // One after the other: both share the provider's limits, and the draft's traces come first.
    const draftSteps = await side(draft);
    steps = { draft: draftSteps, production: await side(production) };
  } catch (err) {
    failure = err;
  }
  await recorder.finish(failure);
  return { draft: sideView(steps!.draft, draft), production: sideView(steps!.production, production) };
}

function sideView(steps: StepOutcome[], prompt: ResolvedPrompt): PlaygroundSide {
  const summaries: CascadeSummary[] = steps.map((s) => outcomeView(s, prompt));
  const totals: RunTotals = { calls: 0, cacheHits: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 };
  for (const s of steps) {
    if (s.kind !== "computed") continue;
    if (s.trace.cacheHit) totals.cacheHits++;
    else if (s.trace.attempts.length > 0) {
      totals.calls++;
      totals.promptTokens += s.trace.promptTokens;
      totals.completionTokens += s.trace.completionTokens;
      totals.costUsd += s.trace.costUsd ?? 0;
    }
  }
  return { summaries, totals };
}
