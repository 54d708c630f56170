"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { jobsApi, type JobRunItemView, type JobRunView } from "@/lib/jobs/api-client";
import { queryKeys } from "@/lib/query-keys";
import { useSession } from "@/components/auth/use-session";
import { Badge } from "@/components/ui/badge";
import { formatDateTime, formatNumber } from "@/components/ui/format";
import { PageHeader } from "@/components/ui/page-header";
import { Code, EmptyState, ErrorState, TableSkeleton } from "@/components/ui/states";
import { EstimateView } from "./recompute-trigger";
import { describeScope, formatSeconds, formatUsd, isActive, progressFraction, STATUS_TONE } from "./format";

const LIMIT = 50;
// While a run is active the list polls, so the bar, counters and ETA move without a reload.
const ACTIVE_POLL_MS = 1500;

export function JobsScreen() {
  const runs = useQuery({
    queryKey: queryKeys.jobs.list(LIMIT),
    queryFn: () => jobsApi.list(LIMIT),
    refetchInterval: (q) => (q.state.data?.some((r) => isActive(r.status)) ? ACTIVE_POLL_MS : 10_000),
  });
  // A run that just finished changed partitions and summaries: drop what other screens cached.
  const queryClient = useQueryClient();
  const wasActive = useRef(new Set<number>());
  useEffect(() => {
    if (!runs.data) return;
    const active = new Set(runs.data.filter((r) => isActive(r.status)).map((r) => r.id));
    if ([...wasActive.current].some((id) => !active.has(id))) {
      void queryClient.invalidateQueries({ queryKey: queryKeys.partitions.all });
      void queryClient.invalidateQueries({ queryKey: queryKeys.summaries.all });
    }
    wasActive.current = active;
  }, [runs.data, queryClient]);
  return (
    <>
      <PageHeader
        title="Jobs"
        description="Batch recomputation runs: repartition, summarise, encode and fuse for many users, resumable and never paying twice for an answer."
      />
      {runs.isPending ? (
        <TableSkeleton label="Loading job runs…" columns={6} rows={4} />
      ) : runs.isError ? (
        <ErrorState title="Could not load job runs" error={runs.error} onRetry={() => void runs.refetch()} />
      ) : runs.data.length === 0 ? (
        <EmptyState title="No job runs yet">
          Start one with “Recompute…” on the Partitioning, Prompts or a user&apos;s page, or{" "}
          <Code>liber recompute</Code>. Ingestion queues its own follow-up runs.
        </EmptyState>
      ) : (
        <ul className="space-y-3" aria-label="Job runs">
          {runs.data.map((run) => (
            <RunCard key={run.id} run={run} />
          ))}
        </ul>
      )}
    </>
  );
}

function RunCard({ run }: { run: JobRunView }) {
  const [open, setOpen] = useState(false);
  const p = run.progress;
  const fraction = progressFraction(run);
  const problems = p.usersFailed + p.usersRetrying;
  return (
    <li
      className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
      data-testid={`job-${run.id}`}
      data-status={run.status}
    >
      <div className="flex flex-wrap items-center gap-3">
        <span className="font-semibold text-slate-900">#{run.id}</span>
        <Badge tone={STATUS_TONE[run.status]}>
          {(run.status === "running" || run.status === "retrying") && (
            <span aria-hidden="true" className="mr-1 size-1.5 animate-pulse rounded-full bg-current" />
          )}
          <span data-testid="job-status">{run.status}</span>
        </Badge>
        <span className="text-sm text-slate-700">
          {run.steps.join(" → ")} · {describeScope(run.scope)}
        </span>
        <span className="text-xs text-slate-500">
          {run.kind === "ingest" ? "after ingestion" : `by ${run.createdBy ?? "?"}`} · {formatDateTime(run.createdAt)}
        </span>
        <RunActions run={run} />
      </div>
      <div
        className="mt-3 h-2.5 w-full overflow-hidden rounded-full bg-slate-100"
        role="progressbar"
        aria-label={`Job ${run.id} progress`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(fraction * 100)}
      >
        <div
          className={`h-full rounded-full transition-all ${run.status === "failed" ? "bg-red-500" : run.status === "done" ? "bg-emerald-500" : run.status === "retrying" || run.status === "paused" ? "bg-amber-500" : "bg-sky-500"}`}
          style={{ width: `${(fraction * 100).toFixed(1)}%` }}
        />
      </div>
      <dl className="mt-2 grid grid-cols-2 gap-x-6 gap-y-1 text-sm sm:grid-cols-4 lg:grid-cols-8">
        <Stat label="Users" value={`${formatNumber(p.usersDone)} / ${formatNumber(p.usersTotal)}`} />
        <Stat
          label="Partitions"
          value={`${formatNumber(Math.min(p.partitionsDone, Math.max(p.partitionsTotal, p.partitionsDone)))} / ${formatNumber(p.partitionsTotal)}`}
        />
        <Stat label="Cache hits" value={formatNumber(p.cacheHits)} />
        <Stat
          label="LLM calls"
          value={`${formatNumber(p.calls)}${p.retries ? ` (${formatNumber(p.retries)} retries)` : ""}`}
        />
        <Stat label="Tokens" value={formatNumber(p.promptTokens + p.completionTokens)} />
        <Stat
          label="Cost"
          value={`${formatUsd(p.costUsd)}${run.costCapUsd !== null ? ` / cap ${formatUsd(run.costCapUsd)}` : ""}`}
        />
        <Stat label="Rate" value={p.rate === null ? "–" : `${p.rate}/s`} />
        <Stat label="ETA" value={isActive(run.status) ? formatSeconds(p.etaSeconds) : "–"} />
      </dl>
      {run.pauseReason && <p className="mt-2 text-sm text-amber-800">Paused: {run.pauseReason}</p>}
      {run.error && <p className="mt-2 text-sm text-red-700">{run.error}</p>}
      {p.usersRetrying > 0 && (
        <p className="mt-2 text-sm text-amber-800">
          {formatNumber(p.usersRetrying)} user(s) waiting to be retried after a rate limit or server error (not failed).
        </p>
      )}
      {run.notes.map((n) => (
        <p key={n} className="mt-1 text-xs text-slate-500">
          Note: {n}
        </p>
      ))}
      <button
        type="button"
        className="mt-2 text-sm font-medium text-sky-700 hover:text-sky-900"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
      >
        {open
          ? "Hide details"
          : `Details${problems > 0 ? ` (${problems} user${problems > 1 ? "s" : ""} with errors)` : ""}`}
      </button>
      {open && <RunDetails run={run} />}
    </li>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="tabular-nums text-slate-900">{value}</dd>
    </div>
  );
}

function useRunAction() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (action: () => Promise<JobRunView>) => action(),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: queryKeys.jobs.all }),
  });
}

function RunActions({ run }: { run: JobRunView }) {
  const { can } = useSession();
  const action = useRunAction();
  const [cap, setCap] = useState(run.costCapUsd === null ? "" : String(run.costCapUsd * 2));
  if (!can("editor")) return null;
  const button = "rounded-md border px-2.5 py-1 text-sm font-medium disabled:opacity-50";
  return (
    <div className="ml-auto flex items-center gap-2">
      {isActive(run.status) && (
        <button
          type="button"
          className={`${button} border-red-200 text-red-700 hover:bg-red-50`}
          disabled={action.isPending}
          onClick={() => action.mutate(() => jobsApi.cancel(run.id))}
        >
          Cancel
        </button>
      )}
      {(run.status === "paused" || run.status === "failed" || run.status === "cancelled") && (
        <>
          {run.costCapUsd !== null && (
            <label className="flex items-center gap-1 text-sm text-slate-600">
              cap $
              <input
                value={cap}
                onChange={(e) => setCap(e.target.value)}
                className="w-20 rounded border border-slate-300 px-1.5 py-0.5"
                aria-label="New cost cap (USD)"
              />
            </label>
          )}
          <button
            type="button"
            className={`${button} border-slate-300 text-slate-700 hover:bg-slate-50`}
            disabled={action.isPending}
            onClick={() =>
              action.mutate(() => jobsApi.resume(run.id, run.costCapUsd === null ? undefined : Number(cap)))
            }
          >
            Resume
          </button>
        </>
      )}
      {action.isError && <span className="text-sm text-red-700">{(action.error as Error).message}</span>}
    </div>
  );
}

function RunDetails({ run }: { run: JobRunView }) {
  const { can } = useSession();
  const action = useRunAction();
  const items = useQuery({
    queryKey: queryKeys.jobs.items(run.id),
    queryFn: () => jobsApi.items(run.id),
    refetchInterval: isActive(run.status) ? ACTIVE_POLL_MS : false,
  });
  const problems = (items.data ?? []).filter((i) => i.status === "failed" || i.status === "retrying");
  return (
    <div className="mt-3 grid gap-4 border-t border-slate-100 pt-3 text-sm lg:grid-cols-2">
      <div>
        <h4 className="mb-1 font-medium text-slate-900">Settings</h4>
        <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1">
          <dt className="text-slate-500">Scope</dt>
          <dd>{describeScope(run.scope)}</dd>
          <dt className="text-slate-500">Steps</dt>
          <dd>{run.steps.join(" → ")}</dd>
          <dt className="text-slate-500">Partition config</dt>
          <dd>
            {run.config.name ?? "?"}@{run.config.version ?? "?"} (id {run.config.id})
          </dd>
          <dt className="text-slate-500">Prompt</dt>
          <dd>
            {run.prompt.name ?? "?"} v{run.prompt.version ?? "?"} (id {run.prompt.id})
          </dd>
          <dt className="text-slate-500">Encoder</dt>
          <dd>{run.encoder ?? "default"}</dd>
          <dt className="text-slate-500">LLM</dt>
          <dd>
            {run.provider}/{run.model}
          </dd>
          <dt className="text-slate-500">Cost cap</dt>
          <dd>{run.costCapUsd === null ? "none" : formatUsd(run.costCapUsd)}</dd>
          <dt className="text-slate-500">Started / finished</dt>
          <dd>
            {formatDateTime(run.startedAt)} / {run.finishedAt ? formatDateTime(run.finishedAt) : "–"}
          </dd>
        </dl>
        {run.estimate && (
          <>
            <h4 className="mb-1 mt-3 font-medium text-slate-900">Estimate at start</h4>
            <EstimateView estimate={run.estimate} />
          </>
        )}
      </div>
      <div>
        <div className="mb-1 flex items-center gap-3">
          <h4 className="font-medium text-slate-900">Users with errors</h4>
          {can("editor") && run.progress.usersFailed > 0 && (
            <button
              type="button"
              className="rounded border border-slate-300 px-2 py-0.5 text-xs font-medium text-slate-700 hover:bg-slate-50"
              onClick={() => action.mutate(() => jobsApi.retry(run.id))}
            >
              Retry all failed
            </button>
          )}
        </div>
        {items.isPending ? (
          <p className="text-slate-500">Loading…</p>
        ) : items.isError ? (
          <p className="text-red-700">{(items.error as Error).message}</p>
        ) : problems.length === 0 ? (
          <p className="text-slate-500">None.</p>
        ) : (
          <ul className="space-y-1.5" aria-label="Users with errors">
            {problems.map((i) => (
              <ItemRow
                key={i.userId}
                item={i}
                onRetry={can("editor") ? () => action.mutate(() => jobsApi.retry(run.id, [i.user])) : null}
              />
            ))}
          </ul>
        )}
        {action.isError && <p className="mt-1 text-red-700">{(action.error as Error).message}</p>}
      </div>
    </div>
  );
}

function ItemRow({ item, onRetry }: { item: JobRunItemView; onRetry: (() => void) | null }) {
  return (
    <li className="flex items-start gap-2">
      <Badge tone={item.status === "failed" ? "red" : "amber"}>{item.status}</Badge>
      <div className="min-w-0 flex-1">
        <a href={`/users/${encodeURIComponent(item.user)}`} className="font-medium text-sky-700 hover:underline">
          user {item.user}
        </a>{" "}
        <span className="text-xs text-slate-500">
          attempt {item.attempts}
          {item.nextAttemptAt ? `, next ${formatDateTime(item.nextAttemptAt)}` : ""}
        </span>
        <div className="break-words text-slate-700">{item.error}</div>
      </div>
      {onRetry && (
        <button
          type="button"
          onClick={onRetry}
          className="rounded border border-slate-300 px-2 py-0.5 text-xs font-medium text-slate-700 hover:bg-slate-50"
        >
          Retry
        </button>
      )}
    </li>
  );
}
