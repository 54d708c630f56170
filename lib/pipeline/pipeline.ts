import type { LlmProvider, SummariseParams, SummariseRequest } from "../llm";
import { recomputePartitions } from "../partitions/recompute";
import { runCascade, type CascadeOptions, type RunRecorder } from "../summaries/cascade";
import type { ResolvedPrompt } from "../summaries/prompts";
import { encodeAfterSummaries } from "../uif/encoding";

/**
 * The one order of LIBER's derived data: behaviour log -> UBSP partitions -> UIL summaries ->
 * UIF vectors (encode) -> fused user vectors (fuse). Ingestion writes the log and advances
 * partitions in its own transaction; everything after that runs here, one user at a time,
 * from a job (lib/jobs) or synchronously (demo seeding, `liber import`, tests), so there is
 * one code path for both. Every step is idempotent and keyed by content: partitions by their
 * content hash, summaries by their input hash (lib/summaries/chain.ts), vectors by the summary they
 * encode; running a step again redoes nothing that is done.
 */

export const STEPS = ["repartition", "summarise", "encode", "fuse"] as const;
export type StepName = (typeof STEPS)[number];

/** Steps in pipeline order, whatever order they were asked in. */
export function orderedSteps(steps: readonly StepName[]): StepName[] {
  return STEPS.filter((s) => steps.includes(s));
}

/** What a follow-up of an ingestion needs: the sealed partitions' summaries and vectors. */
export const FOLLOW_UP_STEPS: StepName[] = ["summarise", "encode", "fuse"];

// ---------------------------------------------------------------------------------------
// UIF steps: encode and fuse

export interface VectorStepInput {
  configId: number;
  promptVersionId: number;
  /** Encoder name/version; null: the default encoder. */
  encoder: string | null;
  userIds: readonly number[];
}

export interface VectorStepResult {
  /** False: the step did not run (say why in `note`); never reported as done work. */
  available: boolean;
  /** Vectors written (0 when everything was already encoded). */
  written: number;
  note?: string;
}

/** A UIF step (lib/uif provides the real ones); keyed by content: encodes only what is missing. */
export type VectorStep = (input: VectorStepInput) => Promise<VectorStepResult>;

/** A step that does not exist (yet): a run that asks for it finishes with a note, never with vectors it did not make. */
export const uifNotAvailable: VectorStep = async () => ({ available: false, written: 0, note: "UIF not available" });

/** UIF encode: the users' new summaries (and shifts) under the default builtin encoder version; only what has no vector yet. */
export const uifEncode: VectorStep = async (input) => {
  const r = await encodeAfterSummaries({
    configId: input.configId,
    promptVersionId: input.promptVersionId,
    userIds: input.userIds,
  });
  return { available: true, written: r?.encoded ?? 0 };
};

/** UIF fuses partition vectors when they are read (lib/uif/features.ts): nothing to store ahead. */
export const uifFuseOnRead: VectorStep = async () => ({ available: true, written: 0 });

const globalRef = globalThis as unknown as { __liberVectorSteps?: { encode: VectorStep; fuse: VectorStep } };
const vectorSteps = (globalRef.__liberVectorSteps ??= { encode: uifEncode, fuse: uifFuseOnRead });

/** lib/uif (or a test) plugs its steps in here. */
export function setVectorSteps(steps: Partial<{ encode: VectorStep; fuse: VectorStep }>): void {
  Object.assign(vectorSteps, steps);
}

export function vectorStep(name: "encode" | "fuse"): VectorStep {
  return vectorSteps[name];
}

// ---------------------------------------------------------------------------------------
// One user

export interface UserStepContext {
  configId: number;
  prompt: ResolvedPrompt;
  provider: LlmProvider;
  params?: Partial<SummariseParams>;
  encoder: string | null;
  steps: readonly StepName[];
  recorder: RunRecorder;
  signal?: AbortSignal;
  onStep?: CascadeOptions["onStep"];
  beforeCall?: (request: SummariseRequest, userId: number) => Promise<void>;
  afterCall?: CascadeOptions["afterCall"];
}

export interface FailedStep {
  seq: number;
  errorKind: string | null;
  error: string | null;
  httpStatus: number | null;
}

export interface UsersStepsResult {
  /** Per user id: the partition whose summary failed (the first failure blocks the rest of that user's cascade). */
  failed: Map<number, FailedStep>;
  notes: string[];
}

/**
 * Runs the asked steps for some users, in pipeline order; each user's cascade is sequential,
 * the users one after the other (callers run several of these at once). Summaries are flushed
 * before it returns, so a caller that records "these users are done" afterwards never loses one.
 */
export async function runUsersSteps(
  users: readonly { id: number; externalId: string }[],
  ctx: UserStepContext,
): Promise<UsersStepsResult> {
  const steps = orderedSteps(ctx.steps);
  const result: UsersStepsResult = { failed: new Map(), notes: [] };
  if (users.length === 0) return result;
  if (steps.includes("repartition")) {
    // Replays these users' logs under the config version (deterministic: same log, same partitions and content hashes).
    await recomputePartitions(ctx.configId, { users: users.map((u) => u.externalId) });
  }
  if (steps.includes("summarise")) {
    await runCascade(ctx.recorder, {
      configId: ctx.configId,
      prompt: ctx.prompt,
      provider: ctx.provider,
      userIds: users.map((u) => u.id),
      concurrency: 1,
      ...(ctx.params ? { params: ctx.params } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onStep: (userId, step) => {
        if (step.status === "failed" && !result.failed.has(userId)) {
          const httpStatus = step.trace.attempts.at(-1)?.httpStatus ?? null;
          result.failed.set(userId, {
            seq: step.seq,
            errorKind: step.trace.errorKind,
            error: step.trace.error,
            httpStatus,
          });
        }
        ctx.onStep?.(userId, step);
      },
      ...(ctx.beforeCall ? { beforeCall: ctx.beforeCall } : {}),
      ...(ctx.afterCall ? { afterCall: ctx.afterCall } : {}),
    });
    await ctx.recorder.flush(true);
  }
  // Vectors only from a complete cascade: a user whose summaries failed is encoded on the retry.
  const complete = users.filter((u) => !result.failed.has(u.id)).map((u) => u.id);
  for (const name of ["encode", "fuse"] as const) {
    if (!steps.includes(name) || complete.length === 0) continue;
    const r = await vectorStep(name)({
      configId: ctx.configId,
      promptVersionId: ctx.prompt.id!,
      encoder: ctx.encoder,
      userIds: complete,
    });
    if (!r.available) result.notes.push(`${name}: ${r.note ?? "not available"}`);
  }
  return result;
}

/**
 * Whether a failed step may succeed later (a rate limit, a server error, a timeout): the job
 * shows the user as `retrying` and tries again; anything else (a refusal, an unusable answer,
 * a bad request) is `failed` until someone retries it by hand.
 */
export function isRetryable(step: { errorKind: string | null; httpStatus: number | null }): boolean {
  if (step.errorKind === "rate_limited" || step.errorKind === "timeout" || step.errorKind === "network") return true;
  return step.errorKind === "http" && step.httpStatus !== null && (step.httpStatus >= 500 || step.httpStatus === 429);
}
