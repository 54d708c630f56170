"use client";

import type { CascadeSummary } from "@/lib/summaries/api-client";
import { formatNumber } from "@/components/ui/format";
import { partitionTitle, type CardPartition } from "./summary-format";
import { InterestChips, SummaryProvenance } from "./provenance";

export type { CardPartition };

export interface SummariseControl {
  pending: boolean;
  onRun: () => void;
}

const secondaryButton =
  "rounded-md border border-slate-300 bg-white px-2.5 py-1 text-xs font-medium text-slate-700 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-sky-600 disabled:opacity-50";

/**
 * One sealed partition's summary in the cascade. Every text from the model is rendered as
 * React text (escaped), never as HTML.
 */
export function SummaryCard({
  entry,
  partition,
  staleText,
  missingText,
  onOpenTrace,
  summarise,
  selected = false,
  onSelect,
  idPrefix = "cascade",
  labelPrefix,
}: {
  entry: CascadeSummary;
  partition?: CardPartition;
  /** Set when the entry is stale: why. */
  staleText?: string;
  /** Set when the entry is missing: why. */
  missingText?: string;
  onOpenTrace?: (callId: number) => void;
  /** Present for editors on a missing entry. */
  summarise?: SummariseControl;
  selected?: boolean;
  onSelect?: (seq: number) => void;
  idPrefix?: string;
  /** Read before the title by assistive technology, e.g. "Draft" in the playground's columns. */
  labelPrefix?: string;
}) {
  const title = partitionTitle(entry.seq);
  const headingId = `${idPrefix}-card-${entry.seq}`;
  const tone =
    entry.status === "failed"
      ? "border-red-200 bg-red-50/40"
      : entry.status === "missing"
        ? "border-dashed border-slate-300 bg-slate-50/60"
        : entry.stale
          ? "border-amber-300 bg-white"
          : "border-slate-200 bg-white";

  return (
    <article
      aria-labelledby={headingId}
      data-seq={entry.seq}
      data-status={entry.status}
      data-testid="summary-card"
      onClick={onSelect ? () => onSelect(entry.seq) : undefined}
      className={`rounded-lg border p-3 shadow-sm transition-shadow ${tone} ${selected ? "ring-2 ring-slate-900" : ""} ${onSelect ? "cursor-pointer hover:shadow-md" : ""}`}
    >
      <header className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <h3 id={headingId} className="flex flex-wrap items-center gap-2 text-sm font-semibold text-slate-900">
            {labelPrefix && <span className="sr-only">{labelPrefix}: </span>}
            {title}
            {entry.status === "failed" && <StatusPill tone="red">failed</StatusPill>}
            {entry.status === "missing" && entry.waitingBehind === null && (
              <StatusPill tone="slate">not summarised</StatusPill>
            )}
            {entry.status === "missing" && entry.waitingBehind !== null && (
              <StatusPill tone="amber">{`waiting behind failed partition ${entry.waitingBehind}`}</StatusPill>
            )}
            {entry.stale && entry.status === "ok" && <StatusPill tone="amber">stale</StatusPill>}
          </h3>
          {partition && (
            <p className="mt-0.5 text-[11px] text-slate-500 tabular-nums">
              {partition.dates} · {formatNumber(partition.count)} event{partition.count === 1 ? "" : "s"}
            </p>
          )}
        </div>
        {entry.llmCallId !== null && onOpenTrace && (
          <button
            type="button"
            aria-label={`Open trace of ${title.toLowerCase()}`}
            onClick={(e) => {
              e.stopPropagation();
              onOpenTrace(entry.llmCallId!);
            }}
            className={secondaryButton}
          >
            Open trace
          </button>
        )}
      </header>

      {entry.status === "ok" && (
        <div className="mt-2 space-y-2">
          {entry.stale && staleText && (
            <p className="rounded-md bg-amber-50 px-2 py-1 text-xs text-amber-900" data-testid="stale-note">
              {staleText}
            </p>
          )}
          <p className="text-sm leading-relaxed whitespace-pre-line text-slate-800" data-testid="summary-text">
            {entry.summary}
          </p>
          {entry.shift && (
            <p className="text-xs leading-relaxed whitespace-pre-line text-slate-600">
              <span className="font-semibold text-slate-700">Shift: </span>
              {entry.shift}
            </p>
          )}
          <InterestChips interests={entry.interests} label={`Interests of ${title.toLowerCase()}`} />
          <SummaryProvenance entry={entry} />
        </div>
      )}

      {entry.status === "failed" && (
        <div className="mt-2 space-y-2">
          <p
            role="note"
            className="rounded-md border border-red-200 bg-white px-2 py-1.5 font-mono text-xs break-words whitespace-pre-wrap text-red-800"
          >
            {entry.error ?? "The call failed without a message."}
          </p>
          <SummaryProvenance entry={entry} />
        </div>
      )}

      {entry.status === "missing" && (
        <div className="mt-2 flex flex-wrap items-center justify-between gap-2 text-xs text-slate-500">
          <span>
            {summarise?.pending
              ? "Summarising…"
              : (missingText ?? "No summary for this partition under this prompt version yet.")}
          </span>
          {summarise && (
            <button
              type="button"
              disabled={summarise.pending}
              onClick={(e) => {
                e.stopPropagation();
                summarise.onRun();
              }}
              className="rounded-md bg-slate-900 px-2.5 py-1 text-xs font-medium text-white hover:bg-slate-700 disabled:opacity-60"
            >
              {summarise.pending ? "Summarising…" : "Summarise"}
            </button>
          )}
        </div>
      )}
    </article>
  );
}

function StatusPill({ tone, children }: { tone: "red" | "amber" | "slate"; children: string }) {
  const tones = {
    red: "bg-red-100 text-red-800",
    amber: "bg-amber-100 text-amber-900",
    slate: "bg-slate-200 text-slate-700",
  } as const;
  return (
    <span className={`rounded px-1.5 py-0.5 text-[10px] font-semibold tracking-wide uppercase ${tones[tone]}`}>
      {children}
    </span>
  );
}
