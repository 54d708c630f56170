"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useMemo, useState } from "react";
import { ApiRequestError } from "@/lib/api/fetch-json";
import { partitionsApi, type ConfigRef } from "@/lib/partitions/api-client";
import { queryKeys } from "@/lib/query-keys";
import { useSession } from "@/components/auth/use-session";
import { formatNumber } from "@/components/ui/format";
import { EmptyState, ErrorState, Skeleton } from "@/components/ui/states";
import { bandsFromUserPartitions, type TimelineBand } from "./bands";
import { CategoryShareChart } from "./category-share-chart";
import { configVersionLabel } from "./config-label";
import { DominantLegend } from "./dominant-legend";
import { LifeBrush, type TimeWindow } from "./life-brush";
import { PartitionBehaviorsPanel } from "./partition-behaviors-panel";
import { PartitionTimeline, type SelectedBand, type TimelineScaleMode } from "./partition-timeline";
import { ScaleToggle } from "./scale-toggle";
import { togglePick, type PartitionPick } from "@/components/users/partition-pick";

const ROW_ID = "user";
const PAGE = 1000;

/**
 * A user's partitions over their whole life under one config version (the active one by
 * default): the timeline, the behaviours of the partition clicked, and the evolution of
 * category shares from partition to partition. The config and the picked partition are the
 * page's (the cascade below follows them), so they come in as props.
 */
export function UserPartitionTimeline({
  externalId,
  config,
  onConfigChange,
  picked,
  onPick,
}: {
  externalId: string;
  config: ConfigRef;
  onConfigChange: (config: ConfigRef) => void;
  /** The partition whose band is outlined and whose behaviours are listed. */
  picked: PartitionPick | null;
  /** The new pick: a band clicked (or Enter pressed on it), null when it is clicked again or closed. */
  onPick: (pick: PartitionPick | null) => void;
}) {
  const [mode, setMode] = useState<TimelineScaleMode>("time");
  // The brush's time window (null: the whole life, as far as one page of 1,000 partitions goes).
  const [timeWindow, setTimeWindow] = useState<TimeWindow | null>(null);
  const { can } = useSession();
  const queryClient = useQueryClient();

  const configs = useQuery({ queryKey: queryKeys.partitions.configs(), queryFn: partitionsApi.configs });
  const partitions = useQuery({
    queryKey: [...queryKeys.partitions.user(externalId, config), timeWindow],
    queryFn: () => partitionsApi.userPartitions(externalId, config, { ...timeWindow, limit: PAGE }),
    placeholderData: keepPreviousData,
  });
  const bands = useMemo(() => (partitions.data ? bandsFromUserPartitions(partitions.data) : []), [partitions.data]);
  const rows = useMemo(() => [{ id: ROW_ID, bands }], [bands]);
  const selected: TimelineBand | null =
    (picked && bands.find((b) => b.seq === picked.seq && b.open === picked.open)) ?? null;

  const compute = useMutation({
    mutationFn: (id: number) => partitionsApi.recompute(id, [externalId]),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.partitions.all }),
  });

  const chooseConfig = (value: string) => onConfigChange(value === "active" ? "active" : Number(value));
  const activeVersion = configs.data?.find((c) => c.labels.includes("active"));
  const selectedBand: SelectedBand | null = selected ? { row: ROW_ID, seq: selected.seq, open: selected.open } : null;
  const sealedCount = bands.filter((b) => !b.open).length;
  const openBand = bands.find((b) => b.open);

  const toolbar = (
    <div className="mb-2 flex flex-wrap items-center justify-between gap-3">
      <div className="flex flex-wrap items-center gap-3">
        <label className="flex items-center gap-2 text-xs font-medium text-slate-600">
          Partition config
          <select
            value={String(config)}
            onChange={(e) => chooseConfig(e.target.value)}
            className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm font-normal text-slate-800"
          >
            <option value="active">Active{activeVersion ? ` (${configVersionLabel(activeVersion)})` : ""}</option>
            {configs.data?.map((c) => (
              <option key={c.id} value={c.id}>
                {configVersionLabel(c)}
                {c.labels.length ? ` · ${c.labels.join(", ")}` : ""}
              </option>
            ))}
          </select>
        </label>
        {partitions.data && (
          <p className="text-xs text-slate-500" aria-live="polite">
            {formatNumber(sealedCount)} sealed partition{sealedCount === 1 ? "" : "s"}
            {openBand
              ? ` · open cache of ${formatNumber(openBand.count)} event${openBand.count === 1 ? "" : "s"}`
              : " · open cache empty"}
          </p>
        )}
      </div>
      <div className="flex items-center gap-3">
        <ScaleToggle value={mode} onChange={setMode} />
        <Link
          href={`/partitioning?user=${encodeURIComponent(externalId)}`}
          className="text-xs font-medium text-sky-700 hover:text-sky-900 hover:underline"
        >
          Try other thresholds →
        </Link>
      </div>
    </div>
  );

  if (partitions.isPending) {
    return (
      <div role="status" className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
        <span className="sr-only">Loading partitions…</span>
        <Skeleton className="mb-3 h-5 w-64" />
        <Skeleton className="h-11 w-full" />
      </div>
    );
  }
  if (partitions.isError) {
    const notFound = partitions.error instanceof ApiRequestError && partitions.error.status === 404;
    return (
      <>
        {toolbar}
        {notFound && config === "active" ? (
          <EmptyState title="No partitions to show">
            {partitions.error.message}{" "}
            <Link href="/partitioning" className="font-medium text-sky-700 underline">
              Set up partitioning
            </Link>
          </EmptyState>
        ) : (
          <ErrorState
            title="Could not load the partitions"
            error={partitions.error}
            onRetry={() => void partitions.refetch()}
          />
        )}
      </>
    );
  }

  const data = partitions.data;
  return (
    <div aria-busy={partitions.isFetching}>
      {toolbar}
      {bands.length === 0 ? (
        <EmptyState title={`No partitions stored for this user under ${configVersionLabel(data.config)}`}>
          Partitions are stored when a config is recomputed or new behaviours arrive.
          {can("editor") && (
            <div className="mt-3">
              <button
                type="button"
                disabled={compute.isPending}
                onClick={() => compute.mutate(data.config.id)}
                className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700 disabled:opacity-50"
              >
                {compute.isPending ? "Computing…" : "Compute for this user"}
              </button>
              {compute.isError && <p className="mt-2 text-sm text-red-700">{compute.error.message}</p>}
            </div>
          )}
        </EmptyState>
      ) : (
        <div
          className={`rounded-lg border border-slate-200 bg-white p-4 shadow-sm ${partitions.isPlaceholderData ? "opacity-60" : ""}`}
        >
          <PartitionTimeline
            rows={rows}
            mode={mode}
            selected={selectedBand}
            onSelect={(_row, band) => onPick(togglePick(picked, { seq: band.seq, open: band.open }))}
            label={`Partitions of user ${externalId} under ${configVersionLabel(data.config)}`}
          />
          <DominantLegend bands={bands} />
          {data.page && data.page.total > 0 && (
            <p className="mt-1 text-[11px] text-slate-500">
              {timeWindow
                ? `Showing ${formatNumber(data.page.returned)} of ${formatNumber(data.page.total)} partitions, ${timeWindow.from.slice(0, 10)} to ${timeWindow.to.slice(0, 10)}`
                : data.page.returned < data.page.total
                  ? `Showing the first ${formatNumber(data.page.returned)} of ${formatNumber(data.page.total)} partitions: zoom with the brush below`
                  : null}
            </p>
          )}
          <LifeBrush overview={data.overview ?? []} onWindow={setTimeWindow} />
          <p className="mt-1 text-[11px] text-slate-400">
            Hover or focus a band for details; click it (or press Enter) to list its behaviours.
            {mode === "time"
              ? " Bursts of activity are widened so every partition stays visible; date ticks are not evenly spaced."
              : ""}
          </p>
        </div>
      )}
      {selected && (
        <PartitionBehaviorsPanel externalId={externalId} config={config} band={selected} onClose={() => onPick(null)} />
      )}
      {sealedCount > 0 && (
        <div className="mt-4 rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
          <h3 className="text-xs font-semibold text-slate-700">Category shares from partition to partition</h3>
          <p className="mb-2 text-[11px] text-slate-500">
            Each sealed partition&apos;s mix of its leading categories, numbered along the x axis.
          </p>
          <CategoryShareChart bands={bands} />
        </div>
      )}
    </div>
  );
}
