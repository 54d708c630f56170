"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useId, useState } from "react";
import { jobsApi, type CreateRunRequest, type JobStep, type RunEstimate } from "@/lib/jobs/api-client";
import { STEP_NAMES } from "@/lib/jobs/types";
import { queryKeys } from "@/lib/query-keys";
import { useSession } from "@/components/auth/use-session";
import { formatNumber } from "@/components/ui/format";
import { formatSeconds, formatUsd } from "./format";

const STEP_LABEL: Record<JobStep, string> = {
  repartition: "Repartition (UBSP)",
  summarise: "Summarise (UIL, LLM)",
  encode: "Encode (UIF)",
  fuse: "Fuse (UIF)",
};

/**
 * "Recompute…" on the Partitioning, Prompts and user pages (editors only): choose steps and a
 * cost cap, read the estimate (partitions after cache hits, tokens, money, time), then confirm.
 * The run is queued for the workers; the Jobs page follows it.
 */
export function RecomputeTrigger({
  request,
  defaultSteps,
  label = "Recompute…",
  what,
}: {
  request: Omit<CreateRunRequest, "steps" | "costCapUsd">;
  defaultSteps: JobStep[];
  label?: string;
  /** One line saying what will be recomputed. */
  what: string;
}) {
  const { can } = useSession();
  const [open, setOpen] = useState(false);
  if (!can("editor")) return null;
  return (
    <div className="inline-block">
      {!open ? (
        <button
          type="button"
          onClick={() => setOpen(true)}
          className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 shadow-sm hover:bg-slate-50"
        >
          {label}
        </button>
      ) : (
        <RecomputePanel request={request} defaultSteps={defaultSteps} what={what} onClose={() => setOpen(false)} />
      )}
    </div>
  );
}

function RecomputePanel({
  request,
  defaultSteps,
  what,
  onClose,
}: {
  request: Omit<CreateRunRequest, "steps" | "costCapUsd">;
  defaultSteps: JobStep[];
  what: string;
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  const [steps, setSteps] = useState<JobStep[]>(defaultSteps);
  const [cap, setCap] = useState("");
  const capId = useId();
  const body: CreateRunRequest = { ...request, steps, costCapUsd: cap.trim() === "" ? null : Number(cap) };
  const capInvalid = cap.trim() !== "" && !(Number(cap) > 0);
  const estimate = useQuery({
    queryKey: [...queryKeys.jobs.all, "estimate", { ...request, steps }],
    queryFn: () => jobsApi.estimate({ ...request, steps }),
    enabled: steps.length > 0,
    staleTime: 10_000,
  });
  const start = useMutation({
    mutationFn: () => jobsApi.create(body),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: queryKeys.jobs.all }),
  });

  return (
    <section
      aria-label="Recompute"
      className="mt-2 w-full max-w-xl rounded-lg border border-slate-200 bg-white p-4 text-sm shadow-sm"
    >
      <div className="mb-2 flex items-start justify-between gap-3">
        <div>
          <h3 className="font-semibold text-slate-900">Recompute</h3>
          <p className="text-slate-600">{what}</p>
        </div>
        <button type="button" onClick={onClose} className="text-slate-500 hover:text-slate-900" aria-label="Close">
          ✕
        </button>
      </div>
      <fieldset className="mb-3">
        <legend className="mb-1 font-medium text-slate-700">Steps</legend>
        <div className="flex flex-wrap gap-3">
          {STEP_NAMES.map((s) => (
            <label key={s} className="inline-flex items-center gap-1.5">
              <input
                type="checkbox"
                checked={steps.includes(s)}
                onChange={(e) => setSteps((cur) => (e.target.checked ? [...cur, s] : cur.filter((x) => x !== s)))}
              />
              {STEP_LABEL[s]}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="mb-3 flex items-center gap-2">
        <label htmlFor={capId} className="font-medium text-slate-700">
          Cost cap (USD)
        </label>
        <input
          id={capId}
          inputMode="decimal"
          value={cap}
          onChange={(e) => setCap(e.target.value)}
          placeholder="none"
          aria-invalid={capInvalid}
          className="w-28 rounded border border-slate-300 px-2 py-1"
        />
        <span className="text-xs text-slate-500">the run pauses before it would spend more</span>
      </div>
      <div className="mb-3 rounded-md bg-slate-50 p-3" aria-live="polite">
        {steps.length === 0 ? (
          <p className="text-slate-500">Choose at least one step.</p>
        ) : estimate.isPending ? (
          <p className="text-slate-500">Estimating…</p>
        ) : estimate.isError ? (
          <p className="text-red-700">{(estimate.error as Error).message}</p>
        ) : (
          <EstimateView estimate={estimate.data} />
        )}
      </div>
      {start.isSuccess ? (
        <p className="text-emerald-700" role="status">
          Queued as job #{start.data.id}.{" "}
          <Link href="/jobs" className="font-medium underline">
            Follow it on the Jobs page
          </Link>
          .
        </p>
      ) : (
        <div className="flex items-center gap-3">
          <button
            type="button"
            disabled={steps.length === 0 || !estimate.isSuccess || capInvalid || start.isPending}
            onClick={() => start.mutate()}
            className="rounded-md bg-sky-700 px-3 py-1.5 font-medium text-white hover:bg-sky-800 disabled:opacity-50"
          >
            {start.isPending ? "Starting…" : "Start run"}
          </button>
          {start.isError && <span className="text-red-700">{(start.error as Error).message}</span>}
        </div>
      )}
    </section>
  );
}

export function EstimateView({ estimate: e }: { estimate: RunEstimate }) {
  return (
    <dl className="grid grid-cols-2 gap-x-4 gap-y-1" data-testid="run-estimate">
      <dt className="text-slate-500">Users</dt>
      <dd className="tabular-nums">{formatNumber(e.users)}</dd>
      <dt className="text-slate-500">Partitions</dt>
      <dd className="tabular-nums">
        {formatNumber(e.partitions)} ({formatNumber(e.alreadyDone)} done, {formatNumber(e.cacheHits)} from cache)
      </dd>
      <dt className="text-slate-500">LLM calls</dt>
      <dd className="tabular-nums" data-testid="run-estimate-calls">
        {formatNumber(e.toSummarise)}
      </dd>
      <dt className="text-slate-500">Tokens</dt>
      <dd className="tabular-nums">
        ~{formatNumber(e.promptTokens)} in, ~{formatNumber(e.completionTokens)} out
      </dd>
      <dt className="text-slate-500">Cost</dt>
      <dd className="tabular-nums" data-testid="run-estimate-cost">
        ~{formatUsd(e.costUsd)}
      </dd>
      <dt className="text-slate-500">Time</dt>
      <dd className="tabular-nums">~{formatSeconds(e.seconds)}</dd>
      <dt className="text-slate-500">Provider</dt>
      <dd>
        {e.provider}/{e.model}{" "}
        <span className="text-xs text-slate-500">({e.basis === "history" ? "from past calls" : "defaults"})</span>
      </dd>
      {e.notes.map((n) => (
        <dd key={n} className="col-span-2 text-xs text-slate-500">
          {n}
        </dd>
      ))}
    </dl>
  );
}
