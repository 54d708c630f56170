"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, type ReactNode } from "react";
import { retryUnlessClientError } from "@/lib/api/fetch-json";
import { queryKeys } from "@/lib/query-keys";
import { uilApi, type LlmCallTrace } from "@/lib/summaries/api-client";
import { formatDateTime } from "@/components/ui/format";
import { ErrorState, Skeleton } from "@/components/ui/states";
import { formatCost, formatMs, formatTokens, partitionTitle, prettyJson } from "./summary-format";
import { ProviderBadge } from "./provenance";

/**
 * The trace of one LLM call in a modal <dialog> (focus stays inside, Esc closes): the prompt
 * exactly as sent, the raw answer, what was parsed from it, and every HTTP attempt.
 * Everything is shown as text in <pre> blocks.
 */
export function TraceDialog({ callId, onClose }: { callId: number | null; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (callId !== null && !dialog.open) dialog.showModal();
    if (callId === null && dialog.open) dialog.close();
  }, [callId]);

  return (
    <dialog
      ref={ref}
      onClose={onClose}
      aria-labelledby="trace-title"
      onClick={(e) => {
        // A click on the backdrop (the dialog element itself, outside its panel) closes it.
        if (e.target === e.currentTarget) onClose();
      }}
      className="m-0 ml-auto h-dvh max-h-dvh w-full max-w-3xl border-l border-slate-200 bg-white p-0 text-slate-900 shadow-2xl backdrop:bg-slate-900/40"
    >
      {callId !== null && <TraceBody callId={callId} onClose={onClose} />}
    </dialog>
  );
}

function TraceBody({ callId, onClose }: { callId: number; onClose: () => void }) {
  const call = useQuery({
    queryKey: queryKeys.summaries.call(callId),
    queryFn: () => uilApi.llmCall(callId),
    retry: retryUnlessClientError,
    staleTime: Infinity, // a trace never changes
  });
  const trace = call.data;
  return (
    <div className="flex h-full flex-col">
      <header className="flex items-start justify-between gap-4 border-b border-slate-200 px-5 py-4">
        <div className="min-w-0">
          <h2 id="trace-title" className="text-base font-semibold">
            Trace of call #{callId}
          </h2>
          {trace && (
            <p className="mt-0.5 text-xs text-slate-500">
              {trace.userExternalId ? `User ${trace.userExternalId}` : "No user"}
              {trace.seq !== null ? ` · ${partitionTitle(trace.seq)}` : ""}
              {trace.runId !== null ? ` · run #${trace.runId}` : ""} · {formatDateTime(trace.createdAt)} UTC
            </p>
          )}
        </div>
        <button
          type="button"
          onClick={onClose}
          className="rounded-md border border-slate-300 bg-white px-2.5 py-1 text-sm text-slate-700 hover:bg-slate-50"
        >
          Close
        </button>
      </header>
      <div className="flex-1 space-y-5 overflow-y-auto px-5 py-4">
        {call.isPending && (
          <div role="status" className="space-y-3">
            <span className="sr-only">Loading the trace…</span>
            <Skeleton className="h-4 w-1/2" />
            <Skeleton className="h-24 w-full" />
            <Skeleton className="h-24 w-full" />
          </div>
        )}
        {call.isError && (
          <ErrorState title="Could not load this trace" error={call.error} onRetry={() => void call.refetch()} />
        )}
        {trace && <TraceDetails trace={trace} />}
      </div>
    </div>
  );
}

function TraceDetails({ trace }: { trace: LlmCallTrace }) {
  // Names the prompt version when the list is at hand (it usually is: the page loaded it).
  const prompts = useQuery({
    queryKey: queryKeys.summaries.prompts(),
    queryFn: uilApi.prompts,
    retry: retryUnlessClientError,
  });
  const prompt = prompts.data?.find((p) => p.id === trace.promptVersionId);
  const facts: [string, ReactNode][] = [
    ["Status", <StatusText key="s" status={trace.status} />],
    ["Provider", <ProviderBadge key="p" provider={trace.provider} model={trace.model} />],
    ["Endpoint", trace.endpoint ?? "–"],
    [
      "Prompt version",
      prompt
        ? `${prompt.name} v${prompt.version}`
        : trace.promptVersionId !== null
          ? `#${trace.promptVersionId}`
          : "draft (unsaved)",
    ],
    [
      "Tokens",
      `${formatTokens(trace.promptTokens, trace.completionTokens)}${trace.tokensEstimated ? " (estimated: the provider reported no usage)" : ""}`,
    ],
    ["Cost", formatCost(trace.costUsd)],
    ["Latency", formatMs(trace.latencyMs)],
    ["Cache", trace.cacheHit ? "hit (answered from the cache)" : "miss (called the provider)"],
  ];
  return (
    <>
      <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1.5 text-sm">
        {facts.map(([label, value]) => (
          <div key={label} className="contents">
            <dt className="text-slate-500">{label}</dt>
            <dd className="min-w-0 break-words text-slate-900">{value}</dd>
          </div>
        ))}
      </dl>
      {trace.error && (
        <div role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900">
          <p className="font-medium">Error{trace.errorKind ? ` (${trace.errorKind})` : ""}</p>
          <p className="mt-0.5 font-mono text-xs break-words whitespace-pre-wrap">{trace.error}</p>
        </div>
      )}
      <TextBlock title="System prompt" text={trace.renderedSystem} />
      <TextBlock title="User prompt" text={trace.renderedUser} />
      <TextBlock
        title="Raw response"
        text={
          trace.rawResponseHidden
            ? "(hidden: the call failed, so this is whatever the endpoint answered; admins can see it)"
            : (trace.rawResponse ?? "–")
        }
      />
      <TextBlock title="Parsed result" text={prettyJson(trace.parsed)} />
      <section aria-labelledby="trace-attempts">
        <h3 id="trace-attempts" className="mb-1.5 text-xs font-semibold tracking-wide text-slate-500 uppercase">
          Attempts
        </h3>
        {trace.attempts.length === 0 ? (
          <p className="text-sm text-slate-500">No HTTP request was made{trace.cacheHit ? " (cache hit)" : ""}.</p>
        ) : (
          <div className="overflow-x-auto rounded-md border border-slate-200">
            <table aria-label="Attempts" className="w-full text-left text-xs">
              <thead className="bg-slate-50 text-slate-500">
                <tr>
                  {["#", "Phase", "Status", "HTTP", "Waited after", "Duration", "Error"].map((h) => (
                    <th key={h} scope="col" className="px-2 py-1.5 font-medium whitespace-nowrap">
                      {h}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {trace.attempts.map((a) => (
                  <tr key={a.attempt}>
                    <td className="px-2 py-1.5 tabular-nums">{a.attempt}</td>
                    <td className="px-2 py-1.5">{a.phase}</td>
                    <td className="px-2 py-1.5">
                      <StatusText status={a.status} />
                    </td>
                    <td className="px-2 py-1.5 tabular-nums">{a.httpStatus ?? "–"}</td>
                    <td className="px-2 py-1.5 tabular-nums">{formatMs(a.waitedMs)}</td>
                    <td className="px-2 py-1.5 tabular-nums">{formatMs(a.durationMs)}</td>
                    <td className="max-w-xs px-2 py-1.5 break-words text-red-800">{a.error ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <TextBlock title="Parameters" text={prettyJson(trace.params)} />
      {trace.cacheKey && (
        <p className="text-[11px] break-all text-slate-400">
          Cache key <span className="font-mono">{trace.cacheKey}</span>
        </p>
      )}
    </>
  );
}

function StatusText({ status }: { status: string }) {
  const tone =
    status === "ok"
      ? "text-emerald-700"
      : status === "retry"
        ? "text-amber-700"
        : status === "failed"
          ? "text-red-700"
          : "text-slate-700";
  return <span className={`font-medium ${tone}`}>{status}</span>;
}

function TextBlock({ title, text }: { title: string; text: string }) {
  const id = `trace-${title.toLowerCase().replace(/\s+/g, "-")}`;
  return (
    <section aria-labelledby={id}>
      <h3 id={id} className="mb-1.5 text-xs font-semibold tracking-wide text-slate-500 uppercase">
        {title}
      </h3>
      <pre className="max-h-96 overflow-auto rounded-md border border-slate-200 bg-slate-50 p-3 font-mono text-xs leading-relaxed whitespace-pre-wrap text-slate-800">
        {text}
      </pre>
    </section>
  );
}
