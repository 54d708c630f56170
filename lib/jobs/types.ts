// Wire types of the jobs API (client-safe: no server imports).

export const RUN_STATUSES = ["queued", "running", "retrying", "paused", "failed", "cancelled", "done"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** Statuses in which a run still holds (or will take) work. */
export const ACTIVE_STATUSES: readonly RunStatus[] = ["queued", "running", "retrying", "paused"];

export const ITEM_STATUSES = ["pending", "running", "retrying", "done", "failed"] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

export const STEP_NAMES = ["repartition", "summarise", "encode", "fuse"] as const;
export type JobStep = (typeof STEP_NAMES)[number];

/** Which users a run covers. `pending`: users with a sealed partition that has no summary yet. */
export type RunScope = { all: true } | { minEvents: number } | { users: string[] } | { pending: true };

export interface RunEstimate {
  users: number;
  /** Sealed partitions of the scope (after repartitioning, when the run repartitions). */
  partitions: number;
  /** Partitions with a summary for their input hash already: nothing to do. */
  alreadyDone: number;
  /** Partitions without one whose answer is already known (same input under another config): cache hits. */
  cacheHits: number;
  /** What remains: LLM calls. */
  toSummarise: number;
  promptTokens: number;
  completionTokens: number;
  /** Null when the model has no price (Settings -> prices). */
  costUsd: number | null;
  /** At the configured concurrency and tokens-per-minute limit. */
  seconds: number;
  provider: string;
  model: string;
  /** Where the per-call token and latency figures come from. */
  basis: "history" | "defaults";
  notes: string[];
}

export interface RunSettings {
  scope: RunScope;
  steps: JobStep[];
  config: { id: number; name: string | null; version: number | null };
  prompt: { id: number; name: string | null; version: number | null };
  encoder: string | null;
  provider: string;
  model: string;
  costCapUsd: number | null;
}

export interface JobRunView extends RunSettings {
  id: number;
  kind: "recompute" | "ingest";
  status: RunStatus;
  estimate: RunEstimate | null;
  progress: {
    usersTotal: number;
    usersDone: number;
    usersFailed: number;
    usersRetrying: number;
    usersRunning: number;
    partitionsTotal: number;
    partitionsDone: number;
    calls: number;
    cacheHits: number;
    retries: number;
    failedCalls: number;
    promptTokens: number;
    completionTokens: number;
    costUsd: number;
    /** Partitions per second since the run started (null before there is a measure). */
    rate: number | null;
    /** Seconds left at that rate (null when unknown). */
    etaSeconds: number | null;
  };
  pauseReason: string | null;
  error: string | null;
  notes: string[];
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  heartbeatAt: string | null;
}

export interface JobRunItemView {
  userId: number;
  user: string;
  status: ItemStatus;
  attempts: number;
  partitionsTotal: number;
  partitionsDone: number;
  calls: number;
  cacheHits: number;
  error: string | null;
  errorKind: string | null;
  nextAttemptAt: string | null;
  updatedAt: string;
}

export interface CreateRunRequest {
  scope: RunScope;
  steps: JobStep[];
  config?: number | "active";
  prompt?: number | "production";
  encoder?: string | null;
  costCapUsd?: number | null;
}
