"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { retryUnlessClientError } from "@/lib/api/fetch-json";
import { queryKeys } from "@/lib/query-keys";
import { uilApi, type DiffHunk, type PromptVersion } from "@/lib/summaries/api-client";
import { ErrorState, Skeleton } from "@/components/ui/states";
import { diffRows, diffStats, FIELD_LABELS, foldUnchanged, type DiffRow } from "./diff-model";
import { inputClass, LabelBadges, Panel, secondaryButton } from "./ui";

const versionLabel = (v: Pick<PromptVersion, "name" | "version">) => `${v.name} v${v.version}`;

/** Pick two versions, see what changed, field by field, as a line diff. */
export function PromptDiffPanel({
  versions,
  a,
  b,
  onChange,
}: {
  versions: readonly PromptVersion[];
  a: number | null;
  b: number | null;
  onChange: (a: number | null, b: number | null) => void;
}) {
  const ready = a !== null && b !== null && a !== b;
  const diff = useQuery({
    queryKey: queryKeys.summaries.promptDiff(a ?? 0, b ?? 0),
    queryFn: () => uilApi.diff(a!, b!),
    enabled: ready,
    retry: retryUnlessClientError,
    placeholderData: keepPreviousData,
    staleTime: Infinity, // versions are immutable
  });

  const picker = (label: string, value: number | null, set: (id: number) => void) => (
    <div className="flex min-w-0 flex-1 flex-col gap-1">
      <label
        htmlFor={`diff-${label.replace(/\s+/g, "-").toLowerCase()}`}
        className="text-xs font-medium text-slate-600"
      >
        {label}
      </label>
      <select
        id={`diff-${label.replace(/\s+/g, "-").toLowerCase()}`}
        value={value ?? ""}
        onChange={(e) => set(Number(e.target.value))}
        className={inputClass}
      >
        <option value="" disabled>
          Choose a version
        </option>
        {versions.map((v) => (
          <option key={v.id} value={v.id}>
            {versionLabel(v)}
            {v.labels.length ? ` (${v.labels.join(", ")})` : ""}
          </option>
        ))}
      </select>
    </div>
  );

  return (
    <Panel
      id="prompt-diff"
      title="Compare versions"
      description="Lines only in A are red, lines only in B green; unchanged stretches are folded."
    >
      <div className="mb-4 flex flex-wrap items-end gap-3">
        {picker("Version A", a, (id) => onChange(id, b))}
        <button type="button" className={secondaryButton} onClick={() => onChange(b, a)} aria-label="Swap A and B">
          ⇄ Swap
        </button>
        {picker("Version B", b, (id) => onChange(a, id))}
      </div>
      {!ready ? (
        <p className="text-sm text-slate-500">
          {a !== null && a === b ? "A and B are the same version: choose two different ones." : "Choose two versions."}
        </p>
      ) : diff.isPending ? (
        <div role="status" className="space-y-2">
          <span className="sr-only">Loading the diff…</span>
          <Skeleton className="h-24 w-full" />
        </div>
      ) : diff.isError ? (
        <ErrorState title="Could not compare these versions" error={diff.error} onRetry={() => void diff.refetch()} />
      ) : (
        <div className={`space-y-4 ${diff.isPlaceholderData ? "opacity-60" : ""}`} data-testid="prompt-diff">
          <p className="flex flex-wrap items-center gap-2 text-xs text-slate-600">
            <span className="rounded bg-red-50 px-1.5 py-0.5 font-medium text-red-800">
              A: {versionLabel(diff.data.a)}
            </span>
            <LabelBadges labels={diff.data.a.labels} />
            <span aria-hidden="true">→</span>
            <span className="rounded bg-emerald-50 px-1.5 py-0.5 font-medium text-emerald-800">
              B: {versionLabel(diff.data.b)}
            </span>
            <LabelBadges labels={diff.data.b.labels} />
          </p>
          {diff.data.fields.map((f) => (
            <FieldDiff key={f.field} title={FIELD_LABELS[f.field]} changed={f.changed} hunks={f.hunks} />
          ))}
        </div>
      )}
    </Panel>
  );
}

function FieldDiff({ title, changed, hunks }: { title: string; changed: boolean; hunks: readonly DiffHunk[] }) {
  const [showAll, setShowAll] = useState(false);
  const rows = useMemo(() => diffRows(hunks), [hunks]);
  const shown = useMemo(() => (showAll ? rows : foldUnchanged(rows, 3)), [rows, showAll]);
  const stats = diffStats(rows);
  const folded = shown.some((r) => r.kind === "fold");
  return (
    <section aria-label={`${title} diff`} className="rounded-md border border-slate-200">
      <header className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 bg-slate-50 px-3 py-1.5">
        <h3 className="text-xs font-semibold text-slate-800">{title}</h3>
        <span className="flex items-center gap-3 text-xs">
          {changed ? (
            <>
              <span className="font-medium text-emerald-700">+{stats.added}</span>
              <span className="font-medium text-red-700">−{stats.removed}</span>
            </>
          ) : (
            <span className="text-slate-500">unchanged</span>
          )}
          {(folded || showAll) && (
            <button
              type="button"
              onClick={() => setShowAll((v) => !v)}
              className="text-slate-600 underline hover:text-slate-900"
            >
              {showAll ? "Fold unchanged lines" : "Show all lines"}
            </button>
          )}
        </span>
      </header>
      {rows.length === 0 ? (
        <p className="px-3 py-2 text-xs text-slate-500">Empty in both versions.</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full border-collapse font-mono text-xs leading-5">
            <tbody>
              {shown.map((row, i) => (
                <DiffLine key={i} row={row} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

const ROW_STYLES = {
  added: { row: "bg-emerald-50", text: "text-emerald-900", sign: "+", label: "added" },
  removed: { row: "bg-red-50", text: "text-red-900", sign: "−", label: "removed" },
  same: { row: "", text: "text-slate-700", sign: " ", label: "" },
} as const;

function DiffLine({ row }: { row: DiffRow }) {
  if (row.kind === "fold") {
    return (
      <tr className="bg-slate-50/80 text-slate-500">
        <td colSpan={4} className="px-3 py-0.5 text-center font-sans text-[11px]">
          ⋯ {row.hidden} unchanged line{row.hidden === 1 ? "" : "s"}
        </td>
      </tr>
    );
  }
  const style = ROW_STYLES[row.kind];
  return (
    <tr className={style.row} data-diff={row.kind}>
      <td className="w-10 border-r border-slate-200 px-2 text-right text-slate-400 select-none">{row.oldLine ?? ""}</td>
      <td className="w-10 border-r border-slate-200 px-2 text-right text-slate-400 select-none">{row.newLine ?? ""}</td>
      <td className={`w-5 px-1 text-center select-none ${style.text}`}>
        <span aria-hidden="true">{style.sign}</span>
        {style.label && <span className="sr-only">{style.label}</span>}
      </td>
      <td className={`px-2 break-words whitespace-pre-wrap ${style.text}`}>{row.text || " "}</td>
    </tr>
  );
}
