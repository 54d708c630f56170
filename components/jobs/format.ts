import type { JobRunView, RunScope, RunStatus } from "@/lib/jobs/api-client";

// Pure helpers of the jobs screens (tested in format.test.ts).

export const STATUS_TONE: Record<RunStatus, "slate" | "sky" | "amber" | "red" | "green"> = {
  queued: "slate",
  running: "sky",
  // A rate limit or server error that will be retried: never shown like a failure.
  retrying: "amber",
  paused: "amber",
  failed: "red",
  cancelled: "slate",
  done: "green",
};

export function isActive(status: RunStatus): boolean {
  return status === "queued" || status === "running" || status === "retrying" || status === "paused";
}

/** 0..1 over partitions when the run summarises, else over users. */
export function progressFraction(run: JobRunView): number {
  const p = run.progress;
  if (run.status === "done") return 1;
  if (p.partitionsTotal > 0) return Math.min(1, p.partitionsDone / p.partitionsTotal);
  if (p.usersTotal > 0) return Math.min(1, (p.usersDone + p.usersFailed) / p.usersTotal);
  return 0;
}

export function formatSeconds(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return "–";
  if (s < 1) return "< 1 s";
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

export function formatUsd(v: number | null): string {
  if (v === null) return "unknown";
  if (v === 0) return "$0";
  return v < 0.01 ? `$${v.toFixed(4)}` : `$${v.toFixed(2)}`;
}

export function describeScope(scope: RunScope): string {
  if ("all" in scope) return "all users";
  if ("minEvents" in scope) return `users with ≥ ${scope.minEvents} behaviours`;
  if ("pending" in scope) return "users with newly sealed partitions";
  return scope.users.length <= 3
    ? `user${scope.users.length > 1 ? "s" : ""} ${scope.users.join(", ")}`
    : `${scope.users.length} users`;
}
