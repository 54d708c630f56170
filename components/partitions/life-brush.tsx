"use client";

import { memo } from "react";
import { Bar, BarChart, Brush, XAxis } from "recharts";
import type { UserPartitions } from "@/lib/partitions/contract";

export interface TimeWindow {
  from: string;
  to: string;
}

const year = (iso: string) => iso.slice(0, 4);

/**
 * The whole life of a user at a glance (the API's binned overview: events per equal slice of
 * time) with a brush: drag its ends or slide it to choose the time window the timeline above
 * shows. A decade of partitions stays readable because only the window is drawn in full.
 */
export const LifeBrush = memo(function LifeBrush({
  overview,
  onWindow,
}: {
  overview: UserPartitions["overview"];
  /** The chosen window, or null when the brush spans the whole life. */
  onWindow: (window: TimeWindow | null) => void;
}) {
  if (overview.length < 2) return null;
  return (
    <div className="mt-3" aria-label="Zoom: choose the time window of the timeline">
      <p className="mb-1 text-[11px] text-slate-500">
        Whole life: events per period. Drag the handles below to zoom the timeline into a time window.
      </p>
      <BarChart
        responsive
        data={overview}
        style={{ width: "100%", height: 84 }}
        margin={{ top: 2, right: 8, bottom: 0, left: 8 }}
      >
        <XAxis dataKey="startTs" tickFormatter={year} minTickGap={40} tick={{ fontSize: 10 }} height={16} />
        <Bar dataKey="events" fill="#94a3b8" isAnimationActive={false} />
        <Brush
          dataKey="startTs"
          height={18}
          travellerWidth={8}
          tickFormatter={year}
          onChange={(range: { startIndex?: number; endIndex?: number }) => {
            const start = range.startIndex ?? 0;
            const end = range.endIndex ?? overview.length - 1;
            if (start <= 0 && end >= overview.length - 1) onWindow(null);
            else onWindow({ from: overview[start]!.startTs, to: overview[end]!.endTs });
          }}
        />
      </BarChart>
    </div>
  );
});
