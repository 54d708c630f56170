"use client";

import { memo } from "react";
import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";
import type { SizeBucket } from "@/lib/partitions/api-client";
import { formatNumber } from "@/components/ui/format";

/** "50" for a one-size bucket, "10–19" otherwise. */
export function bucketLabel(b: Pick<SizeBucket, "min" | "max">): string {
  return b.min === b.max ? String(b.min) : `${b.min}–${b.max}`;
}

/** How many partitions (all users) have how many events. */
export const SizeHistogramChart = memo(function SizeHistogramChart({
  buckets,
  height = 200,
}: {
  buckets: readonly SizeBucket[];
  height?: number;
}) {
  const rows = buckets.map((b) => ({ label: bucketLabel(b), count: b.count }));
  const total = buckets.reduce((s, b) => s + b.count, 0);
  if (total === 0) {
    return (
      <p className="flex items-center justify-center rounded-md bg-slate-50 text-sm text-slate-500" style={{ height }}>
        No sealed partitions under this draft.
      </p>
    );
  }
  return (
    <figure>
      <figcaption className="sr-only">
        Partition sizes: {rows.map((r) => `${r.label} events: ${r.count}`).join("; ")}.
      </figcaption>
      <BarChart
        responsive
        data={rows}
        style={{ width: "100%", height }}
        margin={{ top: 4, right: 8, bottom: 0, left: -8 }}
      >
        <CartesianGrid vertical={false} stroke="#e2e8f0" />
        <XAxis
          dataKey="label"
          tick={{ fontSize: 10, fill: "#64748b" }}
          tickLine={false}
          axisLine={{ stroke: "#cbd5e1" }}
          interval="preserveStartEnd"
          minTickGap={8}
        />
        <YAxis
          allowDecimals={false}
          tick={{ fontSize: 11, fill: "#64748b" }}
          tickLine={false}
          axisLine={false}
          width={48}
          tickFormatter={(v: number) => formatNumber(v)}
        />
        <Tooltip
          labelFormatter={(v) => `${String(v)} events`}
          formatter={(value) => [formatNumber(Number(value)), "Partitions"]}
          contentStyle={{ fontSize: 12, borderRadius: 6, borderColor: "#cbd5e1" }}
          cursor={{ fill: "#f1f5f9" }}
          isAnimationActive={false}
        />
        <Bar
          dataKey="count"
          name="Partitions"
          fill="#0284c7"
          isAnimationActive={false}
          maxBarSize={36}
          radius={[2, 2, 0, 0]}
        />
      </BarChart>
    </figure>
  );
});
