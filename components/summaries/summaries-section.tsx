"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useMemo, useRef, useState } from "react";
import { ApiRequestError, retryUnlessClientError } from "@/lib/api/fetch-json";
import { partitionsApi } from "@/lib/partitions/api-client";
import { queryKeys } from "@/lib/query-keys";
import { uilApi, type ConfigSelector, type PromptSelector, type UserSummaries } from "@/lib/summaries/api-client";
import { useSession } from "@/components/auth/use-session";
import { Section } from "@/components/ui/page-header";
import { formatDuration, formatNumber } from "@/components/ui/format";
import { EmptyState, ErrorState, Skeleton } from "@/components/ui/states";
import { cascadeCounts, datedPartitions, formatCost, formatTokens, runResultText, totalsOf } from "./summary-format";
import { SummaryList } from "./summary-list";
import { ProviderBadge } from "./provenance";
import { scrollTopToReveal } from "./scroll-reveal";
import { useElapsed } from "./use-elapsed";

/** While a run is going, the list is re-read this often so cards fill in as partitions are summarised. */
const RUN_POLL_MS = 1500;

/**
 * The UIL cascade of one user: a card per sealed partition of a partition config (the active
 * one unless the timeline picked another), in the timeline's order and numbering, under the
 * production prompt or another version.
 */
export function SummariesSection({
  externalId,
  config = "active",
  selectedSeq = null,
  onSelectSeq,
}: {
  externalId: string;
  /** The partition config version whose partitions are summarised: the timeline's. */
  config?: ConfigSelector;
  /** The partition selected in the timeline: its card is outlined and scrolled into view. */
  selectedSeq?: number | null;
  /** Clicking a card selects its partition (for the timeline to follow). */
  onSelectSeq?: (seq: number | null) => void;
}) {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const [prompt, setPrompt] = useState<PromptSelector>("production");
  const listRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const list = listRef.current;
    const card = selectedSeq === null ? null : list?.querySelector(`[data-seq="${selectedSeq}"]`);
    if (!list || !card) return;
    // Scroll the list only, not the page: a band picked on the timeline should stay in sight.
    const top = card.getBoundingClientRect().top - list.getBoundingClientRect().top + list.scrollTop;
    const view = { top: list.scrollTop, height: list.clientHeight };
    list.scrollTo({
      top: scrollTopToReveal(view, { top, height: card.getBoundingClientRect().height }),
      behavior: "smooth",
    });
  }, [selectedSeq]);

  const run = useMutation({
    mutationFn: (body: { config: number; prompt: number }) => uilApi.runCascade(externalId, body),
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.summaries.all }),
  });

  const summaries = useQuery({
    queryKey: queryKeys.summaries.summaries(externalId, config, prompt),
    queryFn: () => uilApi.summaries(externalId, config, prompt),
    retry: retryUnlessClientError,
    placeholderData: keepPreviousData,
    refetchInterval: run.isPending ? RUN_POLL_MS : false,
  });
  const prompts = useQuery({
    queryKey: queryKeys.summaries.prompts(),
    queryFn: uilApi.prompts,
    retry: retryUnlessClientError,
  });
  // The same query as the timeline's unzoomed one (same key, same page of up to 1,000), so the
  // dates cost no extra request.
  const partitions = useQuery({
    queryKey: [...queryKeys.partitions.user(externalId, config), null],
    queryFn: () => partitionsApi.userPartitions(externalId, config, { limit: 1000 }),
    retry: retryUnlessClientError,
  });
  const cardPartitions = useMemo(
    () => datedPartitions(partitions.data?.partitions ?? [], summaries.data?.summaries ?? []),
    [partitions.data, summaries.data],
  );

  const data = summaries.data;
  const counts = data ? cascadeCounts(data.summaries) : null;
  const startRun = data ? () => run.mutate({ config: data.config.id, prompt: data.prompt.id }) : undefined;
  const summarise = can("editor") && startRun ? { pending: run.isPending, onRun: startRun } : undefined;

  const promptPicker = (
    <div className="flex items-center gap-2">
      <label htmlFor="cascade-prompt-version" className="text-xs font-medium text-slate-600">
        Prompt version
      </label>
      <select
        id="cascade-prompt-version"
        value={String(prompt)}
        onChange={(e) => setPrompt(e.target.value === "production" ? "production" : Number(e.target.value))}
        className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm font-normal text-slate-800"
      >
        <option value="production">Production</option>
        {prompts.data?.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name} v{p.version}
            {p.labels.length ? ` · ${p.labels.join(", ")}` : ""}
          </option>
        ))}
      </select>
    </div>
  );

  return (
    <Section
      id="interest-cascade"
      title="Interest cascade"
      description="One summary per sealed partition, oldest first; each is written from the partition's behaviours and the previous summary (UIL)."
      actions={promptPicker}
    >
      {summaries.isPending ? (
        <CascadeSkeleton />
      ) : summaries.isError ? (
        summaries.error instanceof ApiRequestError && summaries.error.status === 404 ? (
          <EmptyState title="No cascade to show">
            {summaries.error.message}{" "}
            <Link href="/prompts" className="font-medium text-sky-700 underline">
              Prompts
            </Link>
          </EmptyState>
        ) : (
          <ErrorState
            title="Could not load the summaries"
            error={summaries.error}
            onRetry={() => void summaries.refetch()}
          />
        )
      ) : (
        <div aria-busy={summaries.isFetching}>
          <CascadeToolbar data={data!} counts={counts!} summarise={summarise} />
          <RunStatus pending={run.isPending} done={counts!.ok - counts!.stale} total={counts!.total} />
          {run.isSuccess && !run.isPending && (
            <p
              role="status"
              className="mb-2 rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900"
            >
              Run #{run.data.runId} finished in {formatDuration(run.data.durationMs)}: {runResultText(run.data)}.
            </p>
          )}
          {run.isError && (
            <p role="alert" className="mb-2 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900">
              The cascade run failed: {run.error.message}
            </p>
          )}
          {data!.summaries.length === 0 ? (
            <EmptyState title="No sealed partitions yet">
              Summaries are written per sealed partition; this user&apos;s log has not been sealed into any under{" "}
              {data!.config.name} v{data!.config.version}.
            </EmptyState>
          ) : (
            <div
              ref={listRef}
              className={`max-h-[52rem] overflow-y-auto pr-1 ${summaries.isPlaceholderData ? "opacity-60" : ""}`}
            >
              <SummaryList
                summaries={data!.summaries}
                partitions={cardPartitions}
                summarise={summarise}
                selectedSeq={selectedSeq}
                onSelectSeq={onSelectSeq ? (seq) => onSelectSeq(seq === selectedSeq ? null : seq) : undefined}
                label={`Interest summaries of user ${externalId}`}
              />
            </div>
          )}
        </div>
      )}
    </Section>
  );
}

function CascadeToolbar({
  data,
  counts,
  summarise,
}: {
  data: UserSummaries;
  counts: ReturnType<typeof cascadeCounts>;
  summarise?: { pending: boolean; onRun: () => void };
}) {
  const parts = [
    `${formatNumber(counts.ok)} of ${formatNumber(counts.total)} summarised`,
    counts.stale ? `${formatNumber(counts.stale)} stale` : null,
    counts.failed ? `${formatNumber(counts.failed)} failed` : null,
  ].filter(Boolean);
  const totals = totalsOf(data.summaries);
  return (
    <div className="mb-2 flex flex-wrap items-center justify-between gap-3 rounded-lg border border-slate-200 bg-white px-3 py-2 shadow-sm">
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-slate-600">
        <span>
          Prompt{" "}
          <strong className="text-slate-900">
            {data.prompt.name} v{data.prompt.version}
          </strong>
          {data.prompt.labels.map((l) => (
            <span
              key={l}
              className="ml-1 rounded bg-emerald-50 px-1.5 py-0.5 text-[11px] font-medium text-emerald-700 ring-1 ring-emerald-200 ring-inset"
            >
              {l}
            </span>
          ))}
        </span>
        <span>
          Partitions{" "}
          <strong className="text-slate-900">
            {data.config.name} v{data.config.version}
          </strong>
        </span>
        <span className="flex items-center gap-1">
          Provider <ProviderBadge provider={data.provider.provider} model={data.provider.model} />
        </span>
        <span aria-live="polite">{parts.join(" · ")}</span>
        {totals.calls > 0 && (
          <span title="Tokens and cost of the calls that wrote the summaries shown (cache hits cost nothing again)">
            {formatTokens(totals.promptTokens, totals.completionTokens)} · {formatCost(totals.costUsd)}
          </span>
        )}
      </div>
      {summarise && counts.toSummarise > 0 && (
        <button
          type="button"
          disabled={summarise.pending}
          onClick={summarise.onRun}
          className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700 disabled:opacity-60"
        >
          {summarise.pending
            ? "Summarising…"
            : `Summarise ${formatNumber(counts.toSummarise)} partition${counts.toSummarise === 1 ? "" : "s"}`}
        </button>
      )}
    </div>
  );
}

/** While a run is going: elapsed time and how many partitions have an up-to-date summary so far. */
function RunStatus({ pending, done, total }: { pending: boolean; done: number; total: number }) {
  const elapsed = useElapsed(pending);
  if (elapsed === null) return null;
  const percent = total > 0 ? Math.round((done / total) * 100) : 0;
  return (
    <div role="status" className="mb-2 rounded-md border border-sky-200 bg-sky-50 px-3 py-2 text-sm text-sky-900">
      <div className="flex justify-between gap-3">
        <span>
          Summarising… {formatNumber(done)} of {formatNumber(total)} partitions up to date
        </span>
        <span className="tabular-nums">{formatDuration(elapsed)}</span>
      </div>
      <div
        role="progressbar"
        aria-label="Partitions up to date"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
        className="mt-1.5 h-1.5 overflow-hidden rounded-full bg-sky-100"
      >
        <div className="h-full rounded-full bg-sky-600 transition-all" style={{ width: `${percent}%` }} />
      </div>
    </div>
  );
}

function CascadeSkeleton() {
  return (
    <div role="status" className="space-y-2">
      <span className="sr-only">Loading summaries…</span>
      {Array.from({ length: 3 }, (_, i) => (
        <div key={i} className="rounded-lg border border-slate-200 bg-white p-3">
          <Skeleton className="mb-2 h-4 w-32" />
          <Skeleton className="mb-1 h-3 w-full" />
          <Skeleton className="h-3 w-2/3" />
        </div>
      ))}
    </div>
  );
}
