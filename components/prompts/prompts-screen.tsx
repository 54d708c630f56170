"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { retryUnlessClientError } from "@/lib/api/fetch-json";
import { queryKeys } from "@/lib/query-keys";
import { uilApi, type PromptVersion } from "@/lib/summaries/api-client";
import { useSession } from "@/components/auth/use-session";
import { formatDateTime } from "@/components/ui/format";
import { PageHeader } from "@/components/ui/page-header";
import { RecomputeTrigger } from "@/components/jobs/recompute-trigger";
import { EmptyState, ErrorState, TableSkeleton } from "@/components/ui/states";
import { Playground } from "./playground";
import { PromptDiffPanel } from "./prompt-diff";
import { PromptEditor } from "./prompt-editor";
import { draftChanged, draftFromVersion, type PromptDraft } from "./prompt-form-model";
import { LabelBadges } from "./ui";
import { VersionView } from "./version-view";

type Tab = "version" | "edit" | "diff";
const TABS: { id: Tab; label: string }[] = [
  { id: "version", label: "Version" },
  { id: "edit", label: "Edit & playground" },
  { id: "diff", label: "Diff" },
];

/**
 * UIL prompts: immutable versions with movable labels. Pick a version on the left; read it,
 * edit it into a new version (and try the draft in the playground), or compare two versions.
 */
export function PromptsScreen() {
  const { can } = useSession();
  const prompts = useQuery({
    queryKey: queryKeys.summaries.prompts(),
    queryFn: uilApi.prompts,
    retry: retryUnlessClientError,
  });
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [tab, setTab] = useState<Tab>("version");
  const [editing, setEditing] = useState<{ baseId: number; draft: PromptDraft } | null>(null);
  const [diffPair, setDiffPair] = useState<{ a: number | null; b: number | null } | null>(null);
  const [savedNotice, setSavedNotice] = useState<string | null>(null);

  const header = (
    <PageHeader
      title="Prompts"
      description="User Interest Learning (UIL): the prompts that turn each sealed partition into an interest summary. Versions never change; the production label says which one the cascade uses."
    />
  );
  if (prompts.isPending) {
    return (
      <>
        {header}
        <TableSkeleton label="Loading prompt versions…" columns={3} rows={5} />
      </>
    );
  }
  if (prompts.isError) {
    return (
      <>
        {header}
        <ErrorState title="Could not load the prompts" error={prompts.error} onRetry={() => void prompts.refetch()} />
      </>
    );
  }
  const versions = prompts.data;
  if (versions.length === 0) {
    return (
      <>
        {header}
        <EmptyState title="No prompt versions yet">
          The server creates the default prompt on its first start; restart it if this stays empty.
        </EmptyState>
      </>
    );
  }

  const production = versions.find((v) => v.labels.includes("production"));
  const selected = versions.find((v) => v.id === selectedId) ?? production ?? versions[0]!;
  const base = (editing && versions.find((v) => v.id === editing.baseId)) || selected;
  const draft = editing?.draft ?? draftFromVersion(base);
  // Default comparison: production against the selected version (or the one before it).
  const defaultB = selected.id;
  const defaultA =
    production && production.id !== selected.id
      ? production.id
      : (versions.find((v) => v.id !== selected.id)?.id ?? null);
  const pair = diffPair ?? { a: defaultA, b: defaultB };

  const select = (v: PromptVersion) => {
    setSelectedId(v.id);
    setSavedNotice(null);
  };
  const startEditing = (v: PromptVersion) => {
    if (editing && editing.baseId !== v.id && draftChanged(editing.draft, base)) {
      if (!window.confirm(`Discard the unsaved draft based on ${base.name} v${base.version}?`)) return;
    }
    if (!editing || editing.baseId !== v.id) setEditing({ baseId: v.id, draft: draftFromVersion(v) });
    setTab("edit");
  };

  return (
    <>
      {header}
      <div className="grid items-start gap-5 lg:grid-cols-[16rem_minmax(0,1fr)]">
        <nav aria-label="Prompt versions" className="rounded-lg border border-slate-200 bg-white shadow-sm">
          <h2 className="border-b border-slate-100 px-3 py-2 text-xs font-semibold tracking-wide text-slate-500 uppercase">
            Versions
          </h2>
          <ul className="max-h-[70vh] divide-y divide-slate-100 overflow-y-auto">
            {versions.map((v) => {
              const active = v.id === selected.id;
              return (
                <li key={v.id}>
                  <button
                    type="button"
                    aria-current={active ? "true" : undefined}
                    onClick={() => select(v)}
                    className={`block w-full px-3 py-2 text-left hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-sky-600 ${active ? "bg-slate-100" : ""}`}
                  >
                    <span className="flex flex-wrap items-center gap-1.5 text-sm font-medium text-slate-900">
                      {v.name} v{v.version}
                      <LabelBadges labels={v.labels} />
                    </span>
                    <span className="mt-0.5 block text-[11px] text-slate-500">
                      {formatDateTime(v.createdAt)}
                      {v.createdBy ? ` · ${v.createdBy}` : ""}
                    </span>
                    {v.note && <span className="mt-0.5 block truncate text-[11px] text-slate-600">{v.note}</span>}
                  </button>
                </li>
              );
            })}
          </ul>
        </nav>

        <div className="min-w-0 space-y-4">
          <div role="tablist" aria-label="Prompt views" className="flex gap-1 border-b border-slate-200">
            {TABS.map((t) => (
              <button
                key={t.id}
                type="button"
                role="tab"
                id={`prompt-tab-${t.id}`}
                aria-selected={tab === t.id}
                aria-controls={`prompt-panel-${t.id}`}
                onClick={() => setTab(t.id)}
                className={`-mb-px border-b-2 px-3 py-2 text-sm font-medium ${
                  tab === t.id
                    ? "border-slate-900 text-slate-900"
                    : "border-transparent text-slate-500 hover:text-slate-800"
                }`}
              >
                {t.label}
                {t.id === "edit" && editing && draftChanged(editing.draft, base) && (
                  <span
                    className="ml-1.5 inline-block h-1.5 w-1.5 rounded-full bg-amber-500 align-middle"
                    aria-label="unsaved changes"
                  />
                )}
              </button>
            ))}
          </div>

          {savedNotice && (
            <p
              role="status"
              className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900"
            >
              {savedNotice}
            </p>
          )}

          <div className="mb-3">
            <RecomputeTrigger
              label={`Summarise all users with v${selected.version}…`}
              what={`Summarise every user's partitions (active config) with ${selected.name} v${selected.version}, as a job; partitions already summarised with it are skipped.`}
              request={{ scope: { all: true }, config: "active", prompt: selected.id }}
              defaultSteps={["summarise", "encode", "fuse"]}
            />
          </div>

          {/* Panels stay mounted (hidden) so a draft, a diff or a playground run survives switching tabs. */}
          <div
            role="tabpanel"
            id="prompt-panel-version"
            aria-labelledby="prompt-tab-version"
            hidden={tab !== "version"}
          >
            <VersionView
              version={selected}
              production={production}
              onEdit={() => startEditing(selected)}
              onCompareWithProduction={() => {
                setDiffPair({ a: production?.id ?? null, b: selected.id });
                setTab("diff");
              }}
            />
          </div>
          <div
            role="tabpanel"
            id="prompt-panel-edit"
            aria-labelledby="prompt-tab-edit"
            hidden={tab !== "edit"}
            className="space-y-4"
          >
            <PromptEditor
              draft={draft}
              base={base}
              canSave={can("editor")}
              onChange={(d) => setEditing({ baseId: base.id, draft: d })}
              onReset={() => setEditing({ baseId: base.id, draft: draftFromVersion(base) })}
              onSaved={(saved) => {
                setSavedNotice(`Saved ${saved.name} v${saved.version}. It is not in production until you make it so.`);
                setDiffPair({ a: base.id, b: saved.id });
                setSelectedId(saved.id);
                setEditing({ baseId: saved.id, draft: draftFromVersion(saved) });
              }}
            />
            <Playground draft={draft} production={production} canRun={can("editor")} />
          </div>
          <div role="tabpanel" id="prompt-panel-diff" aria-labelledby="prompt-tab-diff" hidden={tab !== "diff"}>
            <PromptDiffPanel versions={versions} a={pair.a} b={pair.b} onChange={(a, b) => setDiffPair({ a, b })} />
          </div>
        </div>
      </div>
    </>
  );
}
