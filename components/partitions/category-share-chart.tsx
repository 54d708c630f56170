"use client";

import { memo, useMemo } from "react";
import { Area, AreaChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";
import type { TimelineBand } from "./bands";
import { categoryColour } from "./category-colours";
import { formatShare, shareSeries } from "./category-shares";

const DEFAULT_TOP = 8;

type ChartRow = { partition: number } & Record<string, number>;

/** Recharts rows: one per partition, one field per series keyed by position (names may hold dots). */
export function shareChartData(
  bands: readonly TimelineBand[],
  limit = DEFAULT_TOP,
): { categories: string[]; rows: ChartRow[] } {
  const { categories, rows } = shareSeries(
    bands.map((b) => b.histogram),
    limit,
  );
  return {
    categories,
    rows: rows.map((r, i) => {
      const row: ChartRow = { partition: bands[i]!.seq + 1 };
      r.values.forEach((v, k) => {
        row[`s${k}`] = v;
      });
      return row;
    }),
  };
}

/**
 * How the category mix moves from partition to partition: shares of the leading categories
 * (and "Other"), stacked to 100%. Sealed partitions only: the open cache is still changing.
 */
export const CategoryShareChart = memo(function CategoryShareChart({
  bands,
  height = 240,
}: {
  bands: readonly TimelineBand[];
  height?: number;
}) {
  const sealed = useMemo(() => bands.filter((b) => !b.open), [bands]);
  const data = useMemo(() => shareChartData(sealed), [sealed]);
  if (sealed.length < 2) {
    return (
      <p className="flex items-center justify-center rounded-md bg-slate-50 text-sm text-slate-500" style={{ height }}>
        The share chart needs at least two sealed partitions.
      </p>
    );
  }
  return (
    <figure>
      <figcaption className="sr-only">
        Category shares across {sealed.length} sealed partitions: {data.categories.join(", ")}.
      </figcaption>
      <AreaChart
        responsive
        data={data.rows}
        stackOffset="expand"
        style={{ width: "100%", height }}
        margin={{ top: 6, right: 8, bottom: 0, left: 0 }}
      >
        <CartesianGrid vertical={false} stroke="#e2e8f0" />
        <XAxis
          dataKey="partition"
          tick={{ fontSize: 11, fill: "#64748b" }}
          tickLine={false}
          axisLine={{ stroke: "#cbd5e1" }}
          minTickGap={16}
        />
        <YAxis
          tickFormatter={(v: number) => `${Math.round(v * 100)}%`}
          tick={{ fontSize: 11, fill: "#64748b" }}
          tickLine={false}
          axisLine={false}
          width={44}
          ticks={[0, 0.25, 0.5, 0.75, 1]}
        />
        <Tooltip
          labelFormatter={(v) => `Partition ${String(v)}`}
          formatter={(value, name) => [formatShare(Number(value)), name]}
          contentStyle={{ fontSize: 12, borderRadius: 6, borderColor: "#cbd5e1" }}
          itemSorter={(item) => -Number(item.value)}
          isAnimationActive={false}
        />
        {data.categories.map((category, k) => (
          <Area
            key={category}
            type="monotone"
            dataKey={`s${k}`}
            name={category}
            stackId="shares"
            stroke={categoryColour(category)}
            strokeWidth={0.5}
            fill={categoryColour(category)}
            fillOpacity={0.85}
            isAnimationActive={false}
            dot={false}
            activeDot={false}
          />
        ))}
      </AreaChart>
      <ul aria-hidden="true" className="mt-1 flex flex-wrap gap-x-3 gap-y-1 px-2 text-xs text-slate-600">
        {data.categories.map((c) => (
          <li key={c} className="flex items-center gap-1.5">
            <span className="inline-block h-2.5 w-2.5 rounded-sm" style={{ background: categoryColour(c) }} />
            {c}
          </li>
        ))}
      </ul>
    </figure>
  );
});
