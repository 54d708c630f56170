"use client";

import { Bar, BarChart, CartesianGrid, Cell, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { formatNumber } from "@/components/ui/format";
import { partitionTitle } from "./heatmap-model";
import { driftDomain, largestShift, windowWeight, type PartitionChartRow } from "./vectors-model";

// The drift curve (cosine similarity of consecutive partitions, the cascade's shift sentence
// on hover) and the attention weights of the fused vector over the partitions.

const axisTick = { fontSize: 11, fill: "#64748b" };

interface TooltipProps {
  active?: boolean;
  payload?: readonly { payload?: PartitionChartRow }[];
}

function DriftTooltip({ active, payload }: TooltipProps) {
  const row = active ? payload?.[0]?.payload : undefined;
  if (!row) return null;
  return (
    <div
      data-testid="drift-tooltip"
      className="max-w-xs rounded-md border border-slate-200 bg-white px-3 py-2 text-xs text-slate-700 shadow-lg"
    >
      <div className="flex justify-between gap-3">
        <span className="font-semibold text-slate-900">{partitionTitle(row.seq)}</span>
        <span className="tabular-nums text-slate-500">{row.dates}</span>
      </div>
      <div className="mt-0.5 tabular-nums">
        {row.drift === null
          ? "First partition: nothing to compare with"
          : `Similarity with the previous partition: ${row.drift.toFixed(3)}`}
      </div>
      {row.shift && <p className="mt-1.5 border-t border-slate-100 pt-1 italic text-slate-700">{row.shift}</p>}
    </div>
  );
}

export function DriftChart({
  rows,
  selectedSeq,
  onSelectSeq,
}: {
  rows: PartitionChartRow[];
  selectedSeq?: number | null;
  onSelectSeq?: (seq: number) => void;
}) {
  const lowest = largestShift(rows);
  return (
    <figure className="rounded-lg border border-slate-200 bg-white p-3 shadow-sm">
      <figcaption className="mb-1 text-xs font-medium text-slate-700">
        Drift: cosine similarity with the previous partition
        <span className="block font-normal text-slate-500">
          {lowest ? `Largest shift in view: ${partitionTitle(lowest.seq)} (${lowest.drift!.toFixed(2)}). ` : ""}Hover a
          point for the cascade&apos;s shift sentence.
        </span>
      </figcaption>
      <LineChart
        responsive
        data={rows}
        style={{ width: "100%", height: 200 }}
        margin={{ top: 6, right: 8, bottom: 0, left: -16 }}
        onClick={(state) => {
          const i =
            typeof state?.activeTooltipIndex === "number"
              ? state.activeTooltipIndex
              : Number(state?.activeTooltipIndex);
          const row = Number.isInteger(i) ? rows[i] : undefined;
          if (row && onSelectSeq) onSelectSeq(row.seq);
        }}
      >
        <CartesianGrid vertical={false} stroke="#e2e8f0" />
        <XAxis dataKey="label" tick={axisTick} tickLine={false} axisLine={{ stroke: "#cbd5e1" }} minTickGap={16} />
        <YAxis
          domain={driftDomain(rows)}
          tick={axisTick}
          tickLine={false}
          axisLine={false}
          width={44}
          tickFormatter={(v: number) => v.toFixed(1)}
        />
        {selectedSeq !== null && selectedSeq !== undefined && rows.some((r) => r.seq === selectedSeq) && (
          <ReferenceLine x={`P${selectedSeq + 1}`} stroke="#0f172a" strokeDasharray="3 3" />
        )}
        <Tooltip content={<DriftTooltip />} cursor={{ stroke: "#94a3b8" }} />
        <Line
          dataKey="drift"
          name="Similarity"
          stroke="#0284c7"
          strokeWidth={1.5}
          dot={rows.length <= 60 ? { r: 2.5 } : false}
          activeDot={{ r: 4 }}
          connectNulls={false}
          isAnimationActive={false}
        />
      </LineChart>
    </figure>
  );
}

function WeightTooltip({ active, payload }: TooltipProps) {
  const row = active ? payload?.[0]?.payload : undefined;
  if (!row) return null;
  return (
    <div className="rounded-md border border-slate-200 bg-white px-3 py-2 text-xs text-slate-700 shadow-lg">
      <div className="font-semibold text-slate-900">{partitionTitle(row.seq)}</div>
      <div className="tabular-nums text-slate-500">
        {row.dates} · {formatNumber(row.count)} events
      </div>
      <div className="mt-0.5 tabular-nums">Attention weight {(row.weight * 100).toFixed(2)}%</div>
    </div>
  );
}

export function AttentionChart({
  rows,
  total,
  selectedSeq,
  onSelectSeq,
}: {
  rows: PartitionChartRow[];
  /** Partitions of the user in all windows. */
  total: number;
  selectedSeq?: number | null;
  onSelectSeq?: (seq: number) => void;
}) {
  const share = windowWeight(rows);
  return (
    <figure className="rounded-lg border border-slate-200 bg-white p-3 shadow-sm">
      <figcaption className="mb-1 text-xs font-medium text-slate-700">
        Attention weights of the fused vector
        <span className="block font-normal text-slate-500">
          {rows.length < total
            ? `The weights of all ${formatNumber(total)} partitions sum to 1; these ${formatNumber(rows.length)} hold ${(share * 100).toFixed(1)}%.`
            : "Recency-aware attention pooling: the weights sum to 1."}
        </span>
      </figcaption>
      <BarChart
        responsive
        data={rows}
        style={{ width: "100%", height: 200 }}
        margin={{ top: 6, right: 8, bottom: 0, left: -16 }}
      >
        <CartesianGrid vertical={false} stroke="#e2e8f0" />
        <XAxis dataKey="label" tick={axisTick} tickLine={false} axisLine={{ stroke: "#cbd5e1" }} minTickGap={16} />
        <YAxis
          tick={axisTick}
          tickLine={false}
          axisLine={false}
          width={44}
          tickFormatter={(v: number) => `${Math.round(v * 100)}%`}
        />
        <Tooltip content={<WeightTooltip />} cursor={{ fill: "#f1f5f9" }} />
        <Bar
          dataKey="weight"
          name="Weight"
          isAnimationActive={false}
          maxBarSize={24}
          onClick={(entry: { payload?: PartitionChartRow }) => entry.payload && onSelectSeq?.(entry.payload.seq)}
          style={{ cursor: onSelectSeq ? "pointer" : undefined }}
        >
          {rows.map((r) => (
            <Cell key={r.seq} fill={r.seq === selectedSeq ? "#0f172a" : "#7c3aed"} />
          ))}
        </Bar>
      </BarChart>
    </figure>
  );
}
