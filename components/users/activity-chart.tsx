"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Bar, CartesianGrid, ComposedChart, Legend, Line, Tooltip, XAxis, YAxis } from "recharts";
import { queryKeys } from "@/lib/query-keys";
import { usersApi } from "@/lib/users/api-client";
import { bucketRange, MAX_ACTIVITY_BUCKETS } from "@/lib/users/buckets";
import type { ActivityBucket, UserActivity } from "@/lib/users/contract";
import { formatNumber } from "@/components/ui/format";
import { Section } from "@/components/ui/page-header";
import { EmptyState, ErrorState, Skeleton } from "@/components/ui/states";

const BUCKET_CHOICES = [
  { value: "auto", label: "Auto" },
  { value: "day", label: "Day" },
  { value: "week", label: "Week" },
  { value: "month", label: "Month" },
] as const;
type BucketChoice = (typeof BUCKET_CHOICES)[number]["value"];

// Kinds in frequency order take these colours (Tailwind 600s), then repeat.
const KIND_COLOURS = ["#0284c7", "#d97706", "#059669", "#7c3aed", "#e11d48", "#475569"];
const RATING_COLOUR = "#0f172a";
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Axis label of a bucket start: "2018-03-12" for days and weeks, "Mar 2018" for months. */
export function bucketLabel(startIso: string, bucket: ActivityBucket): string {
  if (bucket === "month") return `${MONTHS[Number(startIso.slice(5, 7)) - 1]} ${startIso.slice(0, 4)}`;
  return startIso.slice(0, 10);
}

function tooltipTitle(startIso: string, bucket: ActivityBucket): string {
  if (bucket === "week") return `Week of ${startIso.slice(0, 10)}`;
  return bucketLabel(startIso, bucket);
}

type ChartRow = { start: string; total: number; meanRating: number | null } & Record<string, number | string | null>;

/** Recharts rows: one per bucket, one numeric field per kind (keyed by position, not name). */
export function chartRows(activity: UserActivity): ChartRow[] {
  return activity.points.map((p) => {
    const row: ChartRow = { start: p.start, total: p.total, meanRating: p.meanRating };
    activity.kinds.forEach((kind, i) => {
      row[`kind${i}`] = p.byKind[kind] ?? 0;
    });
    return row;
  });
}

/** Why a bucket cannot be chosen for this span (too many bars), or null when it can. */
function tooFine(choice: BucketChoice, span: { first: string | null; last: string | null } | undefined): string | null {
  if (choice === "auto" || !span?.first || !span.last) return null;
  const bars = bucketRange(new Date(span.first), new Date(span.last), choice).length;
  return bars > MAX_ACTIVITY_BUCKETS ? `${bars} ${choice}s: too many bars for one chart` : null;
}

export function ActivitySection({
  externalId,
  span,
}: {
  externalId: string;
  span?: { first: string | null; last: string | null };
}) {
  const [bucket, setBucket] = useState<BucketChoice>("auto");
  const activity = useQuery({
    queryKey: queryKeys.users.activity(externalId, bucket),
    queryFn: () => usersApi.activity(externalId, bucket),
    placeholderData: keepPreviousData,
  });

  return (
    <Section
      id="activity"
      title="Activity over time"
      description={
        activity.data?.points.length
          ? `Events per ${activity.data.bucket}, by kind${activity.data.kinds.includes("rating") ? ", with the mean rating" : ""}.`
          : "Events per day, week or month, whichever suits the user's span."
      }
      actions={
        <div
          role="group"
          aria-label="Bucket size"
          className="inline-flex overflow-hidden rounded-md border border-slate-300 bg-white text-xs"
        >
          {BUCKET_CHOICES.map((c) => {
            const disabledReason = tooFine(c.value, span);
            return (
              <button
                key={c.value}
                type="button"
                aria-pressed={bucket === c.value}
                disabled={disabledReason !== null}
                title={disabledReason ?? undefined}
                onClick={() => setBucket(c.value)}
                className={`px-2.5 py-1 not-first:border-l not-first:border-slate-300 disabled:cursor-not-allowed disabled:text-slate-300 ${
                  bucket === c.value ? "bg-slate-900 text-white" : "text-slate-700 enabled:hover:bg-slate-50"
                }`}
              >
                {c.label}
              </button>
            );
          })}
        </div>
      }
    >
      {activity.isPending ? (
        <div role="status" className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
          <span className="sr-only">Loading activity…</span>
          <Skeleton className="h-[260px] w-full" />
        </div>
      ) : activity.isError ? (
        <ErrorState
          title="Could not load the activity"
          error={activity.error}
          onRetry={() => void activity.refetch()}
        />
      ) : activity.data.points.length === 0 ? (
        <EmptyState title="No activity yet">This user has no behaviours in the log.</EmptyState>
      ) : (
        <div
          className={`rounded-lg border border-slate-200 bg-white p-3 shadow-sm ${activity.isPlaceholderData ? "opacity-60" : ""}`}
        >
          <ActivityChart activity={activity.data} />
        </div>
      )}
    </Section>
  );
}

function ActivityChart({ activity }: { activity: UserActivity }) {
  const rows = chartRows(activity);
  const hasRatings = rows.some((r) => r.meanRating !== null);
  const { bucket } = activity;
  const total = rows.reduce((s, r) => s + r.total, 0);
  return (
    <figure>
      <figcaption className="sr-only">
        {formatNumber(total)} events in {rows.length} {bucket}s from {tooltipTitle(rows[0]!.start, bucket)} to{" "}
        {tooltipTitle(rows[rows.length - 1]!.start, bucket)}.
      </figcaption>
      <ComposedChart
        responsive
        data={rows}
        style={{ width: "100%", height: 260 }}
        margin={{ top: 8, right: 8, bottom: 0, left: -8 }}
      >
        <CartesianGrid vertical={false} stroke="#e2e8f0" />
        <XAxis
          dataKey="start"
          tickFormatter={(v: string) => bucketLabel(v, bucket)}
          tick={{ fontSize: 11, fill: "#64748b" }}
          tickLine={false}
          axisLine={{ stroke: "#cbd5e1" }}
          minTickGap={24}
        />
        <YAxis
          yAxisId="events"
          allowDecimals={false}
          tick={{ fontSize: 11, fill: "#64748b" }}
          tickLine={false}
          axisLine={false}
          width={48}
        />
        {hasRatings && (
          <YAxis
            yAxisId="rating"
            orientation="right"
            domain={[0, (max: number) => Math.max(5, Math.ceil(max))]}
            tickCount={6}
            allowDecimals={false}
            tick={{ fontSize: 11, fill: "#64748b" }}
            tickLine={false}
            axisLine={false}
            width={32}
          />
        )}
        <Tooltip
          labelFormatter={(v) => tooltipTitle(String(v), bucket)}
          formatter={(value, name) => [
            typeof value === "number" && name === "Mean rating" ? value.toFixed(2) : formatNumber(Number(value)),
            name,
          ]}
          contentStyle={{ fontSize: 12, borderRadius: 6, borderColor: "#cbd5e1" }}
          cursor={{ fill: "#f1f5f9" }}
        />
        <Legend wrapperStyle={{ fontSize: 12 }} iconSize={10} />
        {activity.kinds.map((kind, i) => (
          <Bar
            key={kind}
            yAxisId="events"
            dataKey={`kind${i}`}
            name={kind}
            stackId="events"
            fill={KIND_COLOURS[i % KIND_COLOURS.length]}
            isAnimationActive={false}
            maxBarSize={28}
          />
        ))}
        {hasRatings && (
          <Line
            yAxisId="rating"
            dataKey="meanRating"
            name="Mean rating"
            stroke={RATING_COLOUR}
            strokeWidth={1.5}
            dot={rows.length <= 60 ? { r: 2 } : false}
            connectNulls
            isAnimationActive={false}
          />
        )}
      </ComposedChart>
    </figure>
  );
}
