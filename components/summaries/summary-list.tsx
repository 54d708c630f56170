"use client";

import { useState } from "react";
import type { CascadeSummary } from "@/lib/summaries/api-client";
import { SummaryCard, type CardPartition, type SummariseControl } from "./summary-card";
import { missingExplanation, staleExplanation } from "./summary-format";
import { TraceDialog } from "./trace-dialog";

/** Cards of a cascade in seq order, with the trace drawer they open. */
export function SummaryList({
  summaries,
  partitions,
  summarise,
  selectedSeq = null,
  onSelectSeq,
  idPrefix = "cascade",
  label,
}: {
  summaries: readonly CascadeSummary[];
  /** Dates and sizes by seq, when the partitions are known. */
  partitions?: ReadonlyMap<number, CardPartition>;
  summarise?: SummariseControl;
  selectedSeq?: number | null;
  onSelectSeq?: (seq: number) => void;
  idPrefix?: string;
  label: string;
}) {
  const [traceId, setTraceId] = useState<number | null>(null);
  return (
    <>
      <ol aria-label={label} className="space-y-2">
        {summaries.map((entry, index) => (
          <li key={entry.seq}>
            <SummaryCard
              entry={entry}
              partition={partitions?.get(entry.seq)}
              staleText={entry.stale ? staleExplanation(summaries, index) : undefined}
              missingText={entry.status === "missing" ? missingExplanation(summaries, index) : undefined}
              onOpenTrace={setTraceId}
              summarise={entry.status === "missing" ? summarise : undefined}
              selected={selectedSeq === entry.seq}
              onSelect={onSelectSeq}
              idPrefix={idPrefix}
            />
          </li>
        ))}
      </ol>
      <TraceDialog callId={traceId} onClose={() => setTraceId(null)} />
    </>
  );
}
