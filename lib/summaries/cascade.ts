import {
  isLlmCallError,
  renderPrompt,
  summariseCacheKey,
  type InterestSummary,
  type LlmProvider,
  type PreviousSummary,
  type SummariseParams,
  type SummariseRequest,
} from "../llm";
import type { CascadeSummary } from "./contract";
import { expectedChain, promptIdentity, type ChainSettings } from "./chain";
import { stepContext, type BehaviorRecord, type PartitionRecord } from "./context";
import type { ResolvedPrompt } from "./prompts";
import type { PriceTable } from "./settings";
import {
  createRun,
  emptyTotals,
  finishRun,
  loadPartitionBehaviors,
  loadPartitions,
  loadSummaries,
  loadUsers,
  lookupCache,
  okSummaryHashes,
  usersWithPartitions,
  writeBatch,
  type CachedAnswer,
  type RunKind,
  type RunTotalsRow,
  type StoredSummary,
  type TraceDraft,
  type UserRecord,
  type WriteBatch,
} from "./store";

/**
 * The UIL cascade runner. For each user, partitions are taken in seq order; each one's input
 * hash chains its content to the previous summary's input hash (chain.ts), and only the
 * partitions whose input hash has no successful summary are summarised: after ingestion
 * seals new partitions, those are exactly the new ones. Each step renders the prompt
 * (profile, previous summary, this partition's behaviours), looks up the response cache,
 * calls the provider on a miss, and leaves a trace row whatever happened (cache hit, answer,
 * failure). A failed step is recorded as a failed summary with its reason, and the user's
 * later partitions wait for it (they need its summary as their "previous").
 */

export interface CascadeProgress {
  usersDone: number;
  usersTotal: number;
  /** Partitions summarised, taken from the cache, failed or left waiting behind a failure. */
  partitionsDone: number;
  /** Partitions that need work (no summary for their input hash). */
  partitionsTotal: number;
  calls: number;
  cacheHits: number;
  failed: number;
}

export interface CascadeOptions {
  configId: number;
  prompt: ResolvedPrompt;
  provider: LlmProvider;
  /** Default: every user with a sealed partition under the config. */
  userIds?: readonly number[];
  params?: Partial<SummariseParams>;
  /** False: nothing but traces is written (the playground). Default true. */
  persist?: boolean;
  /** Only the first N partitions of each user. */
  maxPartitions?: number;
  /** Return every partition's outcome (the playground, the API's single-user run). */
  collect?: boolean;
  /** Users processed at once (each user's cascade is sequential). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (progress: CascadeProgress) => void;
  /** After each summarised (or failed) partition, with its trace: a job's live counters. */
  onStep?: (userId: number, step: Extract<StepOutcome, { kind: "computed" }>) => void;
  /**
   * Called on a cache miss, before the provider is asked (a job's cost cap). Throwing a
   * `StepDeferred` stops the cascade without recording anything for the partition.
   */
  beforeCall?: (request: SummariseRequest, userId: number) => Promise<void>;
  /** Called after the provider answered or failed, whatever happened (releases what beforeCall reserved). */
  afterCall?: (request: SummariseRequest, userId: number, trace: TraceDraft) => Promise<void>;
}

/**
 * Thrown by `beforeCall` (or when the run's signal aborts) to stop a cascade without a trace
 * or a failed summary: the partition is simply not done yet (a paused or cancelled job).
 */
export class StepDeferred extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StepDeferred";
  }
}

export type StepOutcome =
  | { kind: "stored"; seq: number; row: StoredSummary }
  | {
      kind: "computed";
      seq: number;
      contentHash: string;
      status: "ok" | "failed";
      summary: InterestSummary | null;
      error: string | null;
      trace: TraceDraft;
      createdAt: Date;
    }
  /** Not summarised; `waitingBehind`: the seq of the failed earlier partition it needs as "previous". */
  | { kind: "missing"; seq: number; contentHash: string; waitingBehind?: number };

export interface CascadeOutcome {
  /** Users that have partitions. */
  users: number;
  partitions: number;
  /** Per user id, when `collect` was set. */
  outcomes: Map<number, StepOutcome[]>;
}

const FLUSH_EVERY_TRACES = 200;
const FLUSH_EVERY_MS = 1000;
const PLAN_CHUNK_USERS = 1000;

/**
 * One llm_runs row and everything written under it: buffers trace, summary and cache rows
 * and writes them in batches, keeps the totals (and writes them with each batch, so a
 * running run shows progress).
 */
export class RunRecorder {
  readonly totals: RunTotalsRow = emptyTotals();
  readonly startedAt = performance.now();
  private buffer: WriteBatch = emptyBatch();
  /** Answers written to the buffer but not yet to llm_cache. */
  private readonly pendingCache = new Map<string, CachedAnswer>();
  private writes: Promise<void> = Promise.resolve();
  private lastFlush = performance.now();
  #firstError: string | null = null;

  /** "user #3 partition 2: <reason>" of the first failed step, or null. */
  get firstError(): string | null {
    return this.#firstError;
  }
  /**
   * Write every paid answer before the next step (jobs): a process killed right after an
   * LLM call then never pays for it twice. Cache hits and the built-in provider still batch.
   */
  durable = false;

  constructor(
    readonly runId: number,
    readonly prices: PriceTable,
  ) {}

  static async start(
    meta: {
      kind: RunKind;
      provider: LlmProvider;
      params?: Partial<SummariseParams>;
      configId: number | null;
      promptVersionId: number | null;
      createdBy: string | null;
    },
    prices: PriceTable,
  ): Promise<RunRecorder> {
    const model = meta.provider.resolveParams(meta.params).model;
    const runId = await createRun({
      kind: meta.kind,
      provider: meta.provider.provider,
      model,
      configId: meta.configId,
      promptVersionId: meta.promptVersionId,
      createdBy: meta.createdBy,
    });
    return new RunRecorder(runId, prices);
  }

  cached(key: string): CachedAnswer | undefined {
    return this.pendingCache.get(key);
  }

  record(entry: {
    trace: TraceDraft;
    summary?: WriteBatch["summaries"][number];
    cacheEntry?: WriteBatch["cacheEntries"][number];
    cacheHitKey?: string;
  }): void {
    const { trace } = entry;
    this.buffer.traces.push(trace);
    if (entry.summary) this.buffer.summaries.push(entry.summary);
    if (entry.cacheEntry) {
      this.buffer.cacheEntries.push(entry.cacheEntry);
      this.pendingCache.set(entry.cacheEntry.key, entry.cacheEntry.answer);
    }
    if (entry.cacheHitKey) this.buffer.cacheHitKeys.push(entry.cacheHitKey);

    const t = this.totals;
    if (trace.cacheHit) t.cacheHits++;
    else if (trace.attempts.length > 0) {
      t.calls++;
      t.retries += trace.attempts.length - 1;
      t.promptTokens += trace.promptTokens;
      t.completionTokens += trace.completionTokens;
      t.costUsd += trace.costUsd ?? 0;
    }
    if (trace.status === "failed") {
      t.failed++;
      this.#firstError ??= `${trace.userId === null ? "" : `user #${trace.userId} `}partition ${trace.seq}: ${trace.error}`;
    }
  }

  /** A write waiting for the one in flight; later flushes join it (group commit). */
  private queued: Promise<void> | null = null;

  /**
   * Writes the buffer if it is big or old enough; `force` writes it now. Writes are chained
   * (batches land in order and never overlap); a flush asked for while a write is in flight
   * joins the next one, which takes everything buffered when it starts, so many concurrent
   * users flushing after each paid answer make few transactions, not one each.
   */
  async flush(force = false): Promise<void> {
    const b = this.buffer;
    // Nothing recorded since the last write: wait for the writes in flight, start no transaction
    // (the totals alone are written with the next batch and by finish()).
    if (b.traces.length === 0 && b.summaries.length === 0 && b.cacheEntries.length === 0 && b.cacheHitKeys.length === 0)
      return this.queued ?? this.writes;
    const due =
      force || this.buffer.traces.length >= FLUSH_EVERY_TRACES || performance.now() - this.lastFlush >= FLUSH_EVERY_MS;
    if (!due) return this.writes;
    if (this.queued) return this.queued;
    this.lastFlush = performance.now();
    const write = this.writes.then(async () => {
      this.queued = null;
      const batch = this.buffer;
      this.buffer = emptyBatch();
      const totals = { ...this.totals };
      await writeBatch(batch, { id: this.runId, totals });
      for (const c of batch.cacheEntries) this.pendingCache.delete(c.key);
    });
    this.queued = write;
    this.writes = write;
    return write;
  }

  /** Flushes and closes the run: failed when any partition failed or `error` is given. */
  async finish(error?: unknown): Promise<void> {
    let message: string | null = null;
    try {
      await this.flush(true);
    } catch (err) {
      error ??= err;
    }
    if (error !== undefined) message = error instanceof Error ? error.message : String(error);
    else if (this.totals.failed > 0) {
      const waiting = this.totals.blocked > 0 ? `, ${this.totals.blocked} left waiting behind them` : "";
      message = `${this.totals.failed} partition(s) failed${waiting}; first: ${this.#firstError}`;
    }
    await finishRun(this.runId, this.totals, message ? "failed" : "succeeded", message?.slice(0, 4000) ?? null);
    if (error !== undefined) throw error;
  }

  get durationMs(): number {
    return Math.round(performance.now() - this.startedAt);
  }
}

function emptyBatch(): WriteBatch {
  return { traces: [], summaries: [], cacheEntries: [], cacheHitKeys: [] };
}

interface UserPlan {
  user: UserRecord;
  partitions: PartitionRecord[];
  chain: string[];
  /** Per partition: no successful summary exists for its input hash. */
  needsWork: boolean[];
}

export async function runCascade(recorder: RunRecorder, opts: CascadeOptions): Promise<CascadeOutcome> {
  const persist = opts.persist ?? true;
  const { provider, prompt, configId } = opts;
  const params = provider.resolveParams(opts.params);
  const chainSettings: ChainSettings = {
    promptIdentity: promptIdentity(prompt),
    provider: provider.provider,
    model: params.model,
    params,
  };
  const userIds = opts.userIds ? [...new Set(opts.userIds)] : await usersWithPartitions(configId);

  // Plan: which partitions of which users need work (cheap: content hashes and stored input hashes only).
  const plans: UserPlan[] = [];
  for (let i = 0; i < userIds.length; i += PLAN_CHUNK_USERS) {
    const chunk = userIds.slice(i, i + PLAN_CHUNK_USERS);
    const [users, partitions, done] = await Promise.all([
      loadUsers(chunk),
      loadPartitions(configId, chunk, opts.maxPartitions),
      prompt.id === null
        ? Promise.resolve(new Map<number, Set<string>>())
        : okSummaryHashes(configId, prompt.id, chunk),
    ]);
    for (const userId of chunk) {
      const user = users.get(userId);
      const list = partitions.get(userId);
      if (!user || !list || list.length === 0) continue;
      const chain = expectedChain(
        chainSettings,
        list.map((p) => p.contentHash),
      );
      const stored = done.get(userId);
      plans.push({ user, partitions: list, chain, needsWork: chain.map((h) => !stored?.has(h)) });
    }
  }

  const progress: CascadeProgress = {
    usersDone: 0,
    usersTotal: plans.length,
    partitionsDone: 0,
    partitionsTotal: plans.reduce((sum, p) => sum + p.needsWork.filter(Boolean).length, 0),
    calls: 0,
    cacheHits: 0,
    failed: 0,
  };
  const report = () => {
    const t = recorder.totals;
    Object.assign(progress, { calls: t.calls, cacheHits: t.cacheHits, failed: t.failed });
    opts.onProgress?.({ ...progress });
  };
  report();

  const outcomes = new Map<number, StepOutcome[]>();
  const cascadeOfUser = async (plan: UserPlan) => {
    const steps = await runUserCascade(recorder, plan, { ...opts, persist, params, chainSettings }, () => {
      progress.partitionsDone++;
      report();
    });
    recorder.totals.users++;
    recorder.totals.skipped += plan.needsWork.filter((n) => !n).length;
    if (opts.collect) outcomes.set(plan.user.id, steps);
    progress.usersDone++;
    report();
    await recorder.flush();
  };

  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 4, plans.length)) }, async () => {
    while (next < plans.length) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error("cancelled");
      await cascadeOfUser(plans[next++]!);
    }
  });
  await Promise.all(workers);
  await recorder.flush(true);
  return { users: plans.length, partitions: plans.reduce((s, p) => s + p.partitions.length, 0), outcomes };
}

async function runUserCascade(
  recorder: RunRecorder,
  plan: UserPlan,
  opts: CascadeOptions & { persist: boolean; params: SummariseParams; chainSettings: ChainSettings },
  onStep: () => void,
): Promise<StepOutcome[]> {
  const { partitions, chain, needsWork, user } = plan;
  const steps: StepOutcome[] = [];
  const work = needsWork.flatMap((needs, i) => (needs ? [i] : []));
  if (work.length === 0 && !opts.collect) return steps;

  // Stored summaries to read: every one (to show them) or only those a step needs as "previous".
  const wanted = opts.collect
    ? chain.filter((_, i) => !needsWork[i])
    : work.filter((i) => i > 0 && !needsWork[i - 1]).map((i) => chain[i - 1]!);
  const stored = new Map<string, StoredSummary>();
  if (wanted.length > 0 && opts.prompt.id !== null) {
    for (const row of await loadSummaries(opts.configId, opts.prompt.id, [user.id], wanted)) {
      if (row.status === "ok" && !stored.has(row.inputHash)) stored.set(row.inputHash, row);
    }
  }
  const behaviors = await loadPartitionBehaviors(
    opts.configId,
    user.id,
    work.map((i) => partitions[i]!.seq),
  );

  let previous: PreviousSummary | null = null;
  let blocked = false;
  /** The failed partition that the rest of this user's cascade waits for. */
  let failedSeq: number | undefined;
  for (let i = 0; i < partitions.length; i++) {
    const partition = partitions[i]!;
    if (!needsWork[i]) {
      const row = stored.get(chain[i]!);
      if (row) {
        steps.push({ kind: "stored", seq: partition.seq, row });
        previous = { summary: row.summary ?? "", interests: row.interests };
      } else if (needsWork[i + 1]) {
        blocked = true; // the summary was there when planned and is gone now: do not guess a "previous"
      }
      continue;
    }
    if (blocked) {
      steps.push({
        kind: "missing",
        seq: partition.seq,
        contentHash: partition.contentHash,
        ...(failedSeq !== undefined ? { waitingBehind: failedSeq } : {}),
      });
      if (failedSeq !== undefined) recorder.totals.blocked++;
      onStep();
      continue;
    }
    const step = await summariseStep(recorder, opts, {
      user,
      partitions,
      index: i,
      behaviors: behaviors.get(partition.seq) ?? [],
      previous,
      inputHash: chain[i]!,
      previousInputHash: i === 0 ? "" : chain[i - 1]!,
      // This user's partitions still to summarise, this one included: the provider serves the longest chains first.
      remaining: work.length - work.indexOf(i),
    });
    steps.push(step);
    onStep();
    opts.onStep?.(user.id, step);
    const paid = !step.trace.cacheHit && step.trace.attempts.length > 0 && step.trace.provider !== "builtin";
    await recorder.flush(recorder.durable && paid);
    if (step.status === "failed") {
      blocked = true;
      failedSeq = partition.seq;
    } else previous = step.summary;
  }
  return steps;
}

async function summariseStep(
  recorder: RunRecorder,
  opts: CascadeOptions & { persist: boolean; params: SummariseParams },
  step: {
    user: UserRecord;
    partitions: PartitionRecord[];
    index: number;
    behaviors: BehaviorRecord[];
    previous: PreviousSummary | null;
    inputHash: string;
    previousInputHash: string;
    remaining: number;
  },
): Promise<Extract<StepOutcome, { kind: "computed" }>> {
  const { provider, prompt, params } = opts;
  const partition = step.partitions[step.index]!;
  const started = performance.now();
  const context = stepContext({
    attributes: step.user.attributes,
    partitions: step.partitions,
    index: step.index,
    behaviors: step.behaviors,
    previous: step.previous,
  });

  const trace: TraceDraft = {
    runId: recorder.runId,
    userId: step.user.id,
    configId: opts.configId,
    seq: partition.seq,
    promptVersionId: prompt.id,
    provider: provider.provider,
    model: params.model,
    endpoint: provider.endpoint,
    params,
    cacheKey: "",
    cacheHit: false,
    renderedSystem: "",
    renderedUser: "",
    rawResponse: null,
    parsed: null,
    promptTokens: 0,
    completionTokens: 0,
    tokensEstimated: false,
    costUsd: null,
    latencyMs: 0,
    attempts: [],
    status: "ok",
    errorKind: null,
    error: null,
  };

  let summary: InterestSummary | null = null;
  let cacheEntry: Parameters<RunRecorder["record"]>[0]["cacheEntry"];
  let cacheHitKey: string | undefined;
  /** The request beforeCall let through: afterCall must see it whatever happens next. */
  let reserved: SummariseRequest | null = null;
  try {
    const rendered = renderPrompt(context, {
      templates: { system: prompt.system, user: prompt.userTemplate },
      behaviors: prompt.behaviorOptions,
    });
    trace.renderedSystem = rendered.system;
    trace.renderedUser = rendered.user;
    const request: SummariseRequest = {
      system: rendered.system,
      user: rendered.user,
      context,
      params,
      ...(opts.signal ? { signal: opts.signal } : {}),
      priority: step.remaining,
    };
    trace.cacheKey = summariseCacheKey(provider, request);

    const hit = recorder.cached(trace.cacheKey) ?? (await lookupCache(trace.cacheKey));
    if (hit) {
      summary = hit.response;
      cacheHitKey = trace.cacheKey;
      Object.assign(trace, { cacheHit: true, rawResponse: hit.rawResponse, parsed: hit.response, costUsd: 0 });
    } else {
      await opts.beforeCall?.(request, step.user.id);
      reserved = request;
      const { summary: answer, meta } = await provider.summarise(request);
      summary = answer;
      Object.assign(trace, {
        endpoint: meta.endpoint,
        model: meta.model,
        params: meta.params,
        rawResponse: meta.rawResponse,
        parsed: answer,
        promptTokens: meta.promptTokens,
        completionTokens: meta.completionTokens,
        tokensEstimated: meta.tokensEstimated,
        costUsd: recorder.prices.cost(meta.provider, meta.model, meta.promptTokens, meta.completionTokens),
        attempts: meta.attempts,
      });
      cacheEntry = {
        key: trace.cacheKey,
        provider: meta.provider,
        model: meta.model,
        answer: {
          response: answer,
          rawResponse: meta.rawResponse,
          promptTokens: meta.promptTokens,
          completionTokens: meta.completionTokens,
        },
      };
    }
  } catch (err) {
    // A paused or cancelled job: nothing is recorded, the partition is simply not done yet.
    if (err instanceof StepDeferred || opts.signal?.aborted) {
      if (reserved)
        await opts.afterCall?.(reserved, step.user.id, { ...trace, status: "failed", errorKind: "aborted" });
      if (err instanceof StepDeferred) throw err;
      throw new StepDeferred(opts.signal?.reason instanceof Error ? opts.signal.reason.message : "cancelled");
    }
    trace.status = "failed";
    if (isLlmCallError(err)) {
      Object.assign(trace, {
        errorKind: err.kind,
        error: err.message,
        rawResponse: err.raw,
        promptTokens: err.promptTokens,
        completionTokens: err.completionTokens,
        costUsd: recorder.prices.cost(trace.provider, trace.model, err.promptTokens, err.completionTokens),
        attempts: err.attempts,
      });
    } else {
      // A template that does not render, or a bug: still a failed attempt with its reason.
      trace.errorKind = err instanceof Error && err.name === "PromptTemplateError" ? "invalid_request" : "internal";
      trace.error = err instanceof Error ? err.message : String(err);
    }
  }
  trace.latencyMs = performance.now() - started;
  if (reserved) await opts.afterCall?.(reserved, step.user.id, trace);

  const error = trace.status === "failed" ? trace.error : null;
  const persistSummary = opts.persist && prompt.id !== null;
  recorder.record({
    trace,
    ...(cacheEntry ? { cacheEntry } : {}),
    ...(cacheHitKey ? { cacheHitKey } : {}),
    ...(persistSummary
      ? {
          summary: {
            userId: step.user.id,
            configId: opts.configId,
            seq: partition.seq,
            partitionContentHash: partition.contentHash,
            promptVersionId: prompt.id!,
            provider: trace.provider,
            model: trace.model,
            inputHash: step.inputHash,
            previousInputHash: step.previousInputHash,
            status: trace.status,
            summary,
            error,
            trace,
          },
        }
      : {}),
  });
  return {
    kind: "computed",
    seq: partition.seq,
    contentHash: partition.contentHash,
    status: trace.status,
    summary: trace.status === "ok" ? summary : null,
    error,
    trace,
    createdAt: new Date(),
  };
}

/** A step outcome as the API shows it (after the run's writes, so trace ids are known). */
export function outcomeView(step: StepOutcome, prompt: Pick<ResolvedPrompt, "id" | "version">): CascadeSummary {
  const promptVersion =
    prompt.id !== null && prompt.version !== null ? { id: prompt.id, version: prompt.version } : null;
  switch (step.kind) {
    case "stored":
      return storedView(step.row, false, promptVersion);
    case "computed":
      return {
        seq: step.seq,
        partitionContentHash: step.contentHash,
        status: step.status,
        stale: false,
        summary: step.summary?.summary ?? null,
        shift: step.summary?.shift ?? null,
        interests: step.summary?.interests ?? [],
        provider: step.trace.provider,
        model: step.trace.model,
        promptVersion,
        promptTokens: step.trace.promptTokens,
        completionTokens: step.trace.completionTokens,
        costUsd: step.trace.costUsd,
        cacheHit: step.trace.cacheHit,
        llmCallId: step.trace.id ?? null,
        createdAt: step.createdAt.toISOString(),
        error: step.error,
        waitingBehind: null,
      };
    case "missing":
      return missingView(step.seq, step.contentHash, step.waitingBehind ?? null);
  }
}

export function storedView(
  row: StoredSummary,
  stale: boolean,
  promptVersion: CascadeSummary["promptVersion"],
): CascadeSummary {
  return {
    seq: row.seq,
    partitionContentHash: row.partitionContentHash,
    status: row.status,
    stale,
    summary: row.summary,
    shift: row.shift,
    interests: row.interests,
    provider: row.provider,
    model: row.model,
    promptVersion,
    promptTokens: row.promptTokens,
    completionTokens: row.completionTokens,
    costUsd: row.costUsd,
    cacheHit: row.cacheHit,
    llmCallId: row.llmCallId,
    createdAt: row.createdAt.toISOString(),
    error: row.error,
    waitingBehind: null,
  };
}

export function missingView(seq: number, contentHash: string, waitingBehind: number | null = null): CascadeSummary {
  return {
    seq,
    partitionContentHash: contentHash,
    status: "missing",
    stale: false,
    summary: null,
    shift: null,
    interests: [],
    provider: null,
    model: null,
    promptVersion: null,
    promptTokens: null,
    completionTokens: null,
    costUsd: null,
    cacheHit: false,
    llmCallId: null,
    createdAt: null,
    error: null,
    waitingBehind,
  };
}
