"use client";

import { useQuery } from "@tanstack/react-query";
import { partitionsApi, type ConfigRef } from "@/lib/partitions/api-client";
import { queryKeys } from "@/lib/query-keys";
import { BehaviorTableHead, BehaviorTableRow } from "@/components/behaviors/behavior-table";
import { Badge } from "@/components/ui/badge";
import { formatNumber } from "@/components/ui/format";
import { ErrorState, TableSkeleton } from "@/components/ui/states";
import { Table, TBody } from "@/components/ui/table";
import { bandDates, bandTitle, SEAL_REASONS, type TimelineBand } from "./bands";
import { categoryColour } from "./category-colours";
import { formatShare } from "./category-shares";

/** The behaviours of one partition (or of the open cache), below the timeline. */
export function PartitionBehaviorsPanel({
  externalId,
  config,
  band,
  onClose,
}: {
  externalId: string;
  config: ConfigRef;
  band: TimelineBand;
  onClose: () => void;
}) {
  const behaviors = useQuery({
    queryKey: queryKeys.partitions.behaviors(externalId, config, band.seq),
    queryFn: () => partitionsApi.partitionBehaviors(externalId, band.seq, config),
  });
  const title = bandTitle(band);
  return (
    <section aria-label={`${title} behaviours`} className="mt-3 rounded-lg border border-slate-200 bg-white shadow-sm">
      <header className="flex flex-wrap items-start justify-between gap-3 border-b border-slate-100 px-4 py-3">
        <div className="min-w-0">
          <h3 className="flex flex-wrap items-center gap-2 text-sm font-semibold text-slate-900">
            {title}
            {band.open ? (
              <Badge tone="amber">open cache</Badge>
            ) : (
              band.sealReason && <Badge>sealed: {band.sealReason}</Badge>
            )}
            {band.lateCount > 0 && <Badge tone="amber">{formatNumber(band.lateCount)} late</Badge>}
          </h3>
          <p className="mt-0.5 text-xs text-slate-500">
            {formatNumber(band.count)} events · {bandDates(band)}
            {band.sealReason && !band.open ? ` · sealed because it ${SEAL_REASONS[band.sealReason]}` : ""}
          </p>
          {band.top.length > 0 && (
            <ul className="mt-1.5 flex flex-wrap gap-1.5" aria-label="Top categories">
              {band.top.map((c) => (
                <li
                  key={c.category}
                  className="inline-flex items-center gap-1 rounded bg-slate-100 px-1.5 py-0.5 text-[11px] text-slate-700"
                >
                  <span
                    className="inline-block h-2 w-2 rounded-full"
                    style={{ background: categoryColour(c.category) }}
                  />
                  {c.category} {formatShare(c.share)}
                </li>
              ))}
            </ul>
          )}
        </div>
        <button
          type="button"
          onClick={onClose}
          className="rounded-md border border-slate-300 bg-white px-2.5 py-1 text-xs text-slate-700 hover:bg-slate-50"
        >
          Close
        </button>
      </header>
      <div className="max-h-[420px] overflow-y-auto">
        {behaviors.isPending ? (
          <TableSkeleton label={`Loading the behaviours of ${title.toLowerCase()}…`} columns={4} rows={6} />
        ) : behaviors.isError ? (
          <div className="p-3">
            <ErrorState
              title="Could not load these behaviours"
              error={behaviors.error}
              onRetry={() => void behaviors.refetch()}
            />
          </div>
        ) : (
          <Table label={`Behaviours of ${title.toLowerCase()}`} className="rounded-none border-0 shadow-none">
            <BehaviorTableHead />
            <TBody>
              {behaviors.data.map((b) => (
                <BehaviorTableRow key={b.id} behavior={b} />
              ))}
            </TBody>
          </Table>
        )}
      </div>
    </section>
  );
}
