"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { partitionsApi, type ConfigDiff, type ConfigId, type PartitionConfigView } from "@/lib/partitions/api-client";
import { queryKeys } from "@/lib/query-keys";
import { configVersionLabel } from "@/components/partitions/config-label";
import { formatNumber } from "@/components/ui/format";
import { Section } from "@/components/ui/page-header";
import { ErrorState, Skeleton } from "@/components/ui/states";
import { Table, TBody, Td, Th, THead } from "@/components/ui/table";
import { FIELD_LABELS, formatConfigValue } from "./config-form";

/** The pair compared when the user has not chosen: the active version against the newest other one. */
export function defaultPair(configs: readonly PartitionConfigView[]): [ConfigId, ConfigId] | null {
  if (configs.length < 2) return null;
  const active = configs.find((c) => c.labels.includes("active")) ?? configs[1]!;
  const other = configs.find((c) => c.id !== active.id)!;
  return [active.id, other.id];
}

export function DiffSection({ configs }: { configs: PartitionConfigView[] }) {
  const [choice, setChoice] = useState<{ a: ConfigId; b: ConfigId } | null>(null);
  const fallback = defaultPair(configs);
  const known = (id: ConfigId | undefined) => id !== undefined && configs.some((c) => c.id === id);
  const a = choice && known(choice.a) ? choice.a : fallback?.[0];
  const b = choice && known(choice.b) ? choice.b : fallback?.[1];
  const ready = a !== undefined && b !== undefined && a !== b;
  const diff = useQuery({
    queryKey: queryKeys.partitions.diff(a ?? 0, b ?? 0),
    queryFn: () => partitionsApi.diff(a!, b!),
    enabled: ready,
  });

  if (configs.length < 2) return null;
  const select = (which: "a" | "b", value: ConfigId | undefined) => (
    <label className="flex items-center gap-2 text-xs font-medium text-slate-600">
      {which.toUpperCase()}
      <select
        aria-label={`Version ${which.toUpperCase()}`}
        value={value ?? ""}
        onChange={(e) => setChoice({ a: a!, b: b!, [which]: Number(e.target.value) })}
        className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm font-normal text-slate-800"
      >
        {configs.map((c) => (
          <option key={c.id} value={c.id}>
            {configVersionLabel(c)}
            {c.labels.length ? ` · ${c.labels.join(", ")}` : ""}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <Section
      id="compare"
      title="Compare versions"
      description="What changed between two versions, and how many of B's partitions A already has (their summaries can be reused)."
      actions={
        <div className="flex items-center gap-3">
          {select("a", a)}
          <span aria-hidden="true" className="text-slate-400">
            →
          </span>
          {select("b", b)}
        </div>
      }
    >
      {!ready ? (
        <p className="rounded-lg border border-dashed border-slate-300 bg-white px-4 py-6 text-sm text-slate-500">
          Choose two different versions.
        </p>
      ) : diff.isPending ? (
        <div role="status" className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
          <span className="sr-only">Comparing…</span>
          <Skeleton className="h-24 w-full" />
        </div>
      ) : diff.isError ? (
        <ErrorState title="Could not compare these versions" error={diff.error} onRetry={() => void diff.refetch()} />
      ) : (
        <DiffView diff={diff.data} />
      )}
    </Section>
  );
}

function DiffView({ diff }: { diff: ConfigDiff }) {
  const { shared, onlyInA, onlyInB } = diff.partitions;
  const total = shared + onlyInA + onlyInB;
  const pct = (n: number) => (total ? (n / total) * 100 : 0);
  const aLabel = configVersionLabel(diff.a);
  const bLabel = configVersionLabel(diff.b);
  return (
    <div className="grid gap-4 lg:grid-cols-2" data-testid="config-diff">
      <div>
        <h3 className="mb-1.5 text-xs font-semibold text-slate-700">Rule changes</h3>
        {diff.changes.length === 0 ? (
          <p className="rounded-lg border border-slate-200 bg-white px-4 py-3 text-sm text-slate-500">
            The two versions have the same rules.
          </p>
        ) : (
          <Table label="Rule changes">
            <THead>
              <tr>
                <Th>Rule</Th>
                <Th>{aLabel}</Th>
                <Th>{bLabel}</Th>
              </tr>
            </THead>
            <TBody>
              {diff.changes.map((c) => (
                <tr key={c.field}>
                  <Td className="font-medium text-slate-800">{FIELD_LABELS[c.field] ?? c.field}</Td>
                  <Td className="font-mono text-xs text-red-700">{formatConfigValue(c.field, c.a)}</Td>
                  <Td className="font-mono text-xs text-emerald-700">{formatConfigValue(c.field, c.b)}</Td>
                </tr>
              ))}
            </TBody>
          </Table>
        )}
      </div>
      <div>
        <h3 className="mb-1.5 text-xs font-semibold text-slate-700">Partitions (all users)</h3>
        <div className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
          <dl className="grid grid-cols-3 gap-3">
            <Stat label="Shared" value={shared} tone="bg-slate-500" />
            <Stat label={`Only in A`} value={onlyInA} tone="bg-red-400" />
            <Stat label={`Only in B`} value={onlyInB} tone="bg-emerald-500" />
          </dl>
          {total > 0 && (
            <div className="mt-3 flex h-2.5 overflow-hidden rounded-full bg-slate-100" aria-hidden="true">
              <div className="bg-slate-500" style={{ width: `${pct(shared)}%` }} />
              <div className="bg-red-400" style={{ width: `${pct(onlyInA)}%` }} />
              <div className="bg-emerald-500" style={{ width: `${pct(onlyInB)}%` }} />
            </div>
          )}
          <p className="mt-3 text-xs text-slate-500">
            Switching from {aLabel} to {bLabel} would summarise {formatNumber(onlyInB)} new partition
            {onlyInB === 1 ? "" : "s"} and reuse {formatNumber(shared)}. Counts are of stored partitions: recompute a
            version to bring them up to date.
          </p>
        </div>
      </div>
    </div>
  );
}

function Stat({ label, value, tone }: { label: string; value: number; tone: string }) {
  return (
    <div>
      <dt className="flex items-center gap-1.5 text-xs text-slate-500">
        <span className={`inline-block h-2 w-2 rounded-full ${tone}`} />
        {label}
      </dt>
      <dd className="mt-0.5 text-lg font-semibold tabular-nums text-slate-900">{formatNumber(value)}</dd>
    </div>
  );
}
