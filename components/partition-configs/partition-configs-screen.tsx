"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { useEffect, useMemo, useRef, useState } from "react";
import { ApiRequestError } from "@/lib/api/fetch-json";
import type { PartitionConfig } from "@/lib/liber/ubsp";
import { partitionsApi, type PartitionConfigView, type PreviewRequest } from "@/lib/partitions/api-client";
import { queryKeys } from "@/lib/query-keys";
import { usersApi } from "@/lib/users/api-client";
import { useSession } from "@/components/auth/use-session";
import { configVersionLabel } from "@/components/partitions/config-label";
import { formatDuration } from "@/components/ui/format";
import { PageHeader, Section } from "@/components/ui/page-header";
import { ErrorState, Skeleton } from "@/components/ui/states";
import {
  configToForm,
  DEFAULT_FORM,
  DEFAULT_PRICING_FORM,
  formToConfig,
  pricingFromForm,
  type ConfigFormState,
  type PricingForm,
} from "./config-form";
import { DiffSection } from "./diff-section";
import { MakeActiveButton } from "./make-active-button";
import { RulesForm } from "./rules-form";
import { useDebouncedValue } from "./use-debounced-value";
import { VersionsSection } from "./versions-section";
import { PopulationSummary, PricingInputs, UserComparison } from "./what-if-results";

const PREVIEW_DEBOUNCE_MS = 250;
const DEFAULT_CONFIG_NAME = "default";

interface Draft {
  form: ConfigFormState;
  /** The version the draft was loaded from, if any (its name is the default save name). */
  base: PartitionConfigView | null;
}

/**
 * The Partitioning page: what-if tuning of the UBSP rules (an unsaved draft previewed at once
 * for one user and the whole population, with the LLM work it implies), saving a draft as a
 * new version, the list of versions and a diff between two.
 */
export function PartitionConfigsScreen() {
  const { can } = useSession();
  const editor = can("editor");
  const configs = useQuery({ queryKey: queryKeys.partitions.configs(), queryFn: partitionsApi.configs });
  const [draft, setDraft] = useState<Draft>({ form: DEFAULT_FORM, base: null });
  const [touched, setTouched] = useState(false);

  // Start from the active version once the list arrives (unless the user already edited).
  // Set while rendering, not in an effect: React renders again at once, with no extra commit.
  if (!touched && configs.data) {
    setTouched(true);
    const start = configs.data.find((c) => c.labels.includes("active")) ?? configs.data[0];
    if (start) setDraft({ form: configToForm(start.config), base: start });
  }

  const load = (c: PartitionConfigView) => {
    setTouched(true);
    setDraft({ form: configToForm(c.config), base: c });
    document.getElementById("what-if-title")?.scrollIntoView({ behavior: "smooth", block: "start" });
  };

  return (
    <>
      <PageHeader
        title="Partitioning"
        description="When a user's short-term cache is sealed into a long-term partition (UBSP). Only sealed partitions are summarised by the LLM."
      />
      {editor ? (
        <WhatIf
          draft={draft}
          onDraftChange={(form) => {
            setTouched(true);
            setDraft((d) => ({ ...d, form }));
          }}
          onReset={() => {
            const active = configs.data?.find((c) => c.labels.includes("active"));
            setDraft(active ? { form: configToForm(active.config), base: active } : { form: DEFAULT_FORM, base: null });
          }}
          onSaved={(saved) => setDraft((d) => ({ ...d, base: saved }))}
          hasActive={Boolean(configs.data?.some((c) => c.labels.includes("active")))}
        />
      ) : (
        <Section id="what-if" title="What-if tuning">
          <p className="rounded-lg border border-dashed border-slate-300 bg-white px-4 py-4 text-sm text-slate-600">
            Trying new thresholds and saving them needs the editor role. You can browse and compare the saved versions
            below.
          </p>
        </Section>
      )}
      <VersionsSection configs={configs} onLoad={load} />
      {configs.data && <DiffSection configs={configs.data} />}
    </>
  );
}

function WhatIf({
  draft,
  onDraftChange,
  onReset,
  onSaved,
  hasActive,
}: {
  draft: Draft;
  onDraftChange: (form: ConfigFormState) => void;
  onReset: () => void;
  /** The draft was saved as this version: it becomes the draft's base. */
  onSaved: (saved: PartitionConfigView) => void;
  hasActive: boolean;
}) {
  const searchParams = useSearchParams();
  const [userText, setUserText] = useState(searchParams.get("user") ?? "");
  const [pricingForm, setPricingForm] = useState<PricingForm>(DEFAULT_PRICING_FORM);

  // Without ?user=, preview the user with the longest log: the one partitioning matters most for.
  const topUser = useQuery({
    queryKey: queryKeys.users.list({ q: "", sort: "events", dir: "desc", page: 1, pageSize: 1 }),
    queryFn: () => usersApi.list({ q: "", sort: "events", dir: "desc", page: 1, pageSize: 1 }),
    enabled: userText === "" && !searchParams.get("user"),
  });
  const suggested = topUser.data?.users[0]?.externalId;
  // Only the first suggestion fills the box; clearing it later is the user's choice.
  const suggestionUsed = useRef(false);
  useEffect(() => {
    if (!suggested || suggestionUsed.current) return;
    suggestionUsed.current = true;
    setUserText((text) => text || suggested);
  }, [suggested]);

  const result = useMemo(() => formToConfig(draft.form), [draft.form]);
  const pricing = useMemo(() => pricingFromForm(pricingForm), [pricingForm]);

  // The request as a string, so identical drafts debounce and cache as one.
  const requestKey =
    result.ok && pricing.ok
      ? JSON.stringify({
          config: result.config,
          user: userText.trim() || undefined,
          pricing: pricing.pricing,
        } satisfies PreviewRequest)
      : null;
  const settledKey = useDebouncedValue(requestKey, PREVIEW_DEBOUNCE_MS);
  const request = useMemo(() => (settledKey ? (JSON.parse(settledKey) as PreviewRequest) : null), [settledKey]);
  const pending = requestKey !== settledKey;

  const preview = useQuery({
    queryKey: queryKeys.partitions.preview(request ?? { config: {} }),
    queryFn: () => partitionsApi.preview(request!),
    enabled: request !== null,
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });
  const previewUser = request?.user;
  const activeUser = useQuery({
    queryKey: queryKeys.partitions.user(previewUser ?? "", "active"),
    queryFn: () => partitionsApi.userPartitions(previewUser!, "active"),
    enabled: Boolean(previewUser) && hasActive,
    placeholderData: keepPreviousData,
  });

  const busy = pending || preview.isFetching;
  const status = !result.ok
    ? "Fix the rules to see a preview."
    : !pricing.ok
      ? "Fix the pricing to see a preview."
      : busy
        ? "Updating the preview…"
        : preview.data
          ? `Preview computed in ${formatDuration(preview.data.durationMs)}.`
          : "";

  return (
    <Section
      id="what-if"
      title="What-if tuning"
      description="Change the rules and see at once how the partitions would change. Nothing is saved until you save a version."
    >
      <div className="grid items-start gap-4 xl:grid-cols-[360px_minmax(0,1fr)]">
        <div className="space-y-4">
          <div className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
            <div className="mb-3 flex items-center justify-between gap-2">
              <div>
                <h3 className="text-sm font-semibold text-slate-900">Draft rules</h3>
                <p className="text-xs text-slate-500">
                  {draft.base ? `Started from ${configVersionLabel(draft.base)}` : "Not saved yet"}
                </p>
              </div>
              <button
                type="button"
                onClick={onReset}
                className="rounded-md px-2 py-1 text-xs font-medium text-sky-700 hover:bg-sky-50"
              >
                {hasActive ? "Reset to active" : "Reset"}
              </button>
            </div>
            <RulesForm
              form={draft.form}
              onChange={onDraftChange}
              fieldErrors={result.ok ? {} : result.fieldErrors}
              formError={result.ok ? undefined : result.formError}
            />
          </div>
          <SaveVersion draft={draft} config={result.ok ? result.config : null} onSaved={onSaved} />
        </div>

        <div className="min-w-0 space-y-4">
          <p role="status" aria-live="polite" className="flex h-5 items-center gap-2 text-xs text-slate-500">
            {busy && result.ok && pricing.ok && (
              <span
                className="inline-block h-3 w-3 animate-spin rounded-full border-2 border-slate-300 border-t-slate-600"
                aria-hidden="true"
              />
            )}
            {status}
          </p>
          {preview.isError && !preview.isFetching && (
            <ErrorState
              title={
                preview.error instanceof ApiRequestError && preview.error.status === 404
                  ? "Preview not possible"
                  : "Could not compute the preview"
              }
              error={preview.error}
              onRetry={() => void preview.refetch()}
            />
          )}
          <div className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
            <div className="mb-3 flex flex-wrap items-end justify-between gap-3">
              <div>
                <h3 className="text-sm font-semibold text-slate-900">One user</h3>
                <p className="text-xs text-slate-500">
                  The draft&apos;s partitions above the active version&apos;s, on one time scale.
                </p>
              </div>
              <label className="text-xs font-medium text-slate-600">
                User (external id)
                <input
                  type="search"
                  value={userText}
                  onChange={(e) => setUserText(e.target.value)}
                  maxLength={500}
                  spellCheck={false}
                  autoComplete="off"
                  className="ml-2 w-40 rounded-md border border-slate-300 bg-white px-2 py-1 text-sm font-normal text-slate-900 shadow-sm focus:border-sky-500 focus:ring-2 focus:ring-sky-200 focus:outline-none"
                />
              </label>
            </div>
            <div
              className={preview.isPlaceholderData || pending ? "opacity-60 transition-opacity" : "transition-opacity"}
            >
              {!preview.data ? (
                preview.isError ? (
                  <p className="rounded-md bg-slate-50 px-3 py-4 text-sm text-slate-500">No preview to show.</p>
                ) : (
                  <Skeleton className="h-20 w-full" />
                )
              ) : !preview.data.user ? (
                <p className="rounded-md bg-slate-50 px-3 py-4 text-sm text-slate-500">
                  Enter a user&apos;s external id to see their partitions.
                </p>
              ) : (
                <UserComparison
                  externalId={previewUser ?? ""}
                  draft={preview.data.user}
                  active={hasActive ? activeUser.data : undefined}
                />
              )}
            </div>
          </div>
          <div className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
            <h3 className="text-sm font-semibold text-slate-900">All users</h3>
            <p className="mb-3 text-xs text-slate-500">The whole behaviour log partitioned with the draft.</p>
            <div
              className={preview.isPlaceholderData || pending ? "opacity-60 transition-opacity" : "transition-opacity"}
            >
              {preview.data ? (
                <PopulationSummary
                  population={preview.data.population}
                  pricing={
                    <PricingInputs
                      form={pricingForm}
                      onChange={setPricingForm}
                      errors={pricing.ok ? {} : pricing.errors}
                    />
                  }
                />
              ) : preview.isError ? (
                <p className="rounded-md bg-slate-50 px-3 py-4 text-sm text-slate-500">No preview to show.</p>
              ) : (
                <Skeleton className="h-48 w-full" />
              )}
            </div>
          </div>
        </div>
      </div>
    </Section>
  );
}

/** Saves the draft as the next version of a name; activation is a separate, confirmed step. */
function SaveVersion({
  draft,
  config,
  onSaved,
}: {
  draft: Draft;
  config: PartitionConfig | null;
  onSaved: (saved: PartitionConfigView) => void;
}) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(draft.base?.name ?? DEFAULT_CONFIG_NAME);
  const [note, setNote] = useState("");
  // A newly loaded base version proposes its name (set while rendering, not in an effect).
  const baseName = draft.base?.name;
  const [shownBaseName, setShownBaseName] = useState(baseName);
  if (baseName !== shownBaseName) {
    setShownBaseName(baseName);
    if (baseName) setName(baseName);
  }
  const save = useMutation({
    mutationFn: () =>
      partitionsApi.createConfig({ name: name.trim(), config: config!, ...(note.trim() ? { note: note.trim() } : {}) }),
    onSuccess: async (saved) => {
      setNote("");
      onSaved(saved);
      await queryClient.invalidateQueries({ queryKey: queryKeys.partitions.all });
    },
  });
  const details =
    save.error instanceof ApiRequestError && Array.isArray(save.error.details)
      ? (save.error.details as { path?: string; message?: string }[])
      : [];
  return (
    <form
      aria-label="Save the draft as a version"
      className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
      onSubmit={(e) => {
        e.preventDefault();
        if (config && name.trim()) save.mutate();
      }}
    >
      <h3 className="text-sm font-semibold text-slate-900">Save as a version</h3>
      <p className="mb-3 text-xs text-slate-500">
        Creates the next version of the name. It does not become active until you make it so.
      </p>
      <div className="space-y-2">
        <label className="block text-xs font-medium text-slate-600">
          Name
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            maxLength={64}
            pattern="[a-z0-9_\-]{1,64}"
            title="1-64 characters: a-z, 0-9, _ or -"
            spellCheck={false}
            autoComplete="off"
            className="mt-0.5 w-full rounded-md border border-slate-300 bg-white px-2 py-1 text-sm font-normal text-slate-900 shadow-sm focus:border-sky-500 focus:ring-2 focus:ring-sky-200 focus:outline-none"
          />
        </label>
        <label className="block text-xs font-medium text-slate-600">
          Note <span className="font-normal text-slate-400">(optional)</span>
          <input
            value={note}
            onChange={(e) => setNote(e.target.value)}
            maxLength={500}
            placeholder="Why this version"
            className="mt-0.5 w-full rounded-md border border-slate-300 bg-white px-2 py-1 text-sm font-normal text-slate-900 shadow-sm placeholder:text-slate-400 focus:border-sky-500 focus:ring-2 focus:ring-sky-200 focus:outline-none"
          />
        </label>
      </div>
      <button
        type="submit"
        disabled={!config || !name.trim() || save.isPending}
        className="mt-3 w-full rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700 disabled:cursor-not-allowed disabled:opacity-50"
      >
        {save.isPending ? "Saving…" : "Save version"}
      </button>
      {save.isError && (
        <div role="alert" className="mt-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
          {save.error.message}
          {details.length > 0 && (
            <ul className="mt-1 list-disc pl-4 text-xs">
              {details.map((d, i) => (
                <li key={i}>
                  {d.path ? <span className="font-mono">{d.path}: </span> : null}
                  {d.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {save.isSuccess && (
        <div
          role="status"
          className="mt-3 flex flex-wrap items-center justify-between gap-2 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800"
        >
          <span>Saved {configVersionLabel(save.data)}.</span>
          {!save.data.labels.includes("active") && <MakeActiveButton config={save.data} />}
        </div>
      )}
    </form>
  );
}
