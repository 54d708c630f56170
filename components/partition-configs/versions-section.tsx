"use client";

import { useMutation, useQueryClient, type UseQueryResult } from "@tanstack/react-query";
import { useState } from "react";
import { partitionsApi, type PartitionConfigView, type RecomputeSummary } from "@/lib/partitions/api-client";
import { queryKeys } from "@/lib/query-keys";
import { useSession } from "@/components/auth/use-session";
import { configVersionLabel } from "@/components/partitions/config-label";
import { Badge } from "@/components/ui/badge";
import { formatDateTime, formatDuration, formatNumber } from "@/components/ui/format";
import { Section } from "@/components/ui/page-header";
import { EmptyState, ErrorState, TableSkeleton } from "@/components/ui/states";
import { Table, TBody, Td, Th, THead } from "@/components/ui/table";
import { describeConfig } from "./config-form";
import { MakeActiveButton } from "./make-active-button";
import { RecomputeTrigger } from "@/components/jobs/recompute-trigger";

/** Every saved config version, newest first, with its labels and what it has computed. */
export function VersionsSection({
  configs,
  onLoad,
}: {
  configs: UseQueryResult<PartitionConfigView[]>;
  /** Copies a version's rules into the what-if draft (editors: the draft is theirs). */
  onLoad: (config: PartitionConfigView) => void;
}) {
  const { can } = useSession();
  const editor = can("editor");
  const queryClient = useQueryClient();
  const [recomputed, setRecomputed] = useState<{ label: string; result: RecomputeSummary } | null>(null);
  const recompute = useMutation({
    mutationFn: (c: PartitionConfigView) => partitionsApi.recompute(c.id),
    onSuccess: async (result, c) => {
      setRecomputed({ label: configVersionLabel(c), result });
      await queryClient.invalidateQueries({ queryKey: queryKeys.partitions.all });
    },
  });

  return (
    <Section
      id="versions"
      title="Config versions"
      description="Saved versions are immutable; labels such as “active” move between them."
    >
      {recompute.isPending && (
        <p role="status" className="mb-2 rounded-md bg-sky-50 px-3 py-2 text-sm text-sky-800">
          Recomputing the partitions of every user under{" "}
          {recompute.variables ? configVersionLabel(recompute.variables) : "this version"}…
        </p>
      )}
      {recompute.isError && (
        <p role="alert" className="mb-2 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
          Recompute failed: {recompute.error.message}
        </p>
      )}
      {recomputed && !recompute.isPending && !recompute.isError && (
        <p role="status" className="mb-2 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
          Recomputed {recomputed.label}: {formatNumber(recomputed.result.partitions)} partitions for{" "}
          {formatNumber(recomputed.result.users)} users from {formatNumber(recomputed.result.events)} events in{" "}
          {formatDuration(recomputed.result.durationMs)}.
        </p>
      )}
      {configs.isPending ? (
        <TableSkeleton label="Loading config versions…" columns={6} rows={3} />
      ) : configs.isError ? (
        <ErrorState
          title="Could not load the config versions"
          error={configs.error}
          onRetry={() => void configs.refetch()}
        />
      ) : configs.data.length === 0 ? (
        <EmptyState title="No config saved yet">
          {editor
            ? "Tune the rules above, then save the draft as the first version."
            : "An editor saves the first version on this page."}
        </EmptyState>
      ) : (
        <Table label="Config versions">
          <THead>
            <tr>
              <Th>Version</Th>
              <Th>Rules</Th>
              <Th className="text-right">Partitions</Th>
              <Th className="text-right">Users</Th>
              <Th>Created (UTC)</Th>
              <Th>Note</Th>
              <Th className="text-right">
                <span className="sr-only">Actions</span>
              </Th>
            </tr>
          </THead>
          <TBody>
            {configs.data.map((c) => {
              const label = configVersionLabel(c);
              const active = c.labels.includes("active");
              return (
                <tr
                  key={c.id}
                  data-testid={`config-version-${c.id}`}
                  className={active ? "bg-emerald-50/40" : "hover:bg-slate-50"}
                >
                  <Td className="whitespace-nowrap">
                    <span className="font-medium text-slate-900">{label}</span>
                    {c.labels.length > 0 && (
                      <span className="ml-2 inline-flex gap-1 align-middle">
                        {c.labels.map((l) => (
                          <Badge key={l} tone={l === "active" ? "green" : "slate"}>
                            {l}
                          </Badge>
                        ))}
                      </span>
                    )}
                  </Td>
                  <Td className="font-mono text-xs text-slate-700">{describeConfig(c.config)}</Td>
                  <Td className="text-right tabular-nums">{formatNumber(c.partitionCount)}</Td>
                  <Td className="text-right tabular-nums">{formatNumber(c.userCount)}</Td>
                  <Td className="whitespace-nowrap tabular-nums text-slate-600">{formatDateTime(c.createdAt)}</Td>
                  <Td className="max-w-64 truncate text-slate-600" title={c.note ?? undefined}>
                    {c.note ?? <span className="text-slate-300">–</span>}
                  </Td>
                  <Td className="whitespace-nowrap text-right">
                    <span className="inline-flex items-center gap-1.5">
                      {editor && (
                        <button
                          type="button"
                          onClick={() => onLoad(c)}
                          aria-label={`Load ${label} into the draft`}
                          className="rounded-md px-2 py-0.5 text-xs font-medium text-sky-700 hover:bg-sky-50"
                        >
                          Load
                        </button>
                      )}
                      {editor && (
                        <button
                          type="button"
                          disabled={recompute.isPending}
                          onClick={() => recompute.mutate(c)}
                          aria-label={`Recompute ${label}`}
                          title="Recompute the partitions of every user under this version"
                          className="rounded-md border border-slate-300 bg-white px-2 py-0.5 text-xs font-medium text-slate-700 hover:bg-slate-50 disabled:opacity-50"
                        >
                          Recompute
                        </button>
                      )}
                      {editor && !active && <MakeActiveButton config={c} />}
                    </span>
                  </Td>
                </tr>
              );
            })}
          </TBody>
        </Table>
      )}
      {editor && configs.data?.some((c) => c.labels.includes("active")) && (
        <div className="mt-3">
          {(() => {
            const active = configs.data.find((c) => c.labels.includes("active"))!;
            return (
              <RecomputeTrigger
                label={`Recompute ${configVersionLabel(active)} with summaries…`}
                what={`Repartition every user's log under the active version ${configVersionLabel(active)}, then summarise and encode what changed, as a job.`}
                request={{ scope: { all: true }, config: active.id, prompt: "production" }}
                defaultSteps={["repartition", "summarise", "encode", "fuse"]}
              />
            );
          })()}
        </div>
      )}
    </Section>
  );
}
