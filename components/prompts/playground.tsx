"use client";

import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { queryKeys } from "@/lib/query-keys";
import {
  uilApi,
  type CascadeSummary,
  type PlaygroundResult,
  type PlaygroundSide,
  type PromptVersion,
} from "@/lib/summaries/api-client";
import { usersApi } from "@/lib/users/api-client";
import { SummaryCard } from "@/components/summaries/summary-card";
import { formatChange, formatCost, formatTokenCount } from "@/components/summaries/summary-format";
import { TraceDialog } from "@/components/summaries/trace-dialog";
import { useElapsed } from "@/components/summaries/use-elapsed";
import { formatDuration } from "@/components/ui/format";
import { apiErrorLines, draftToRequest, type PromptDraft } from "./prompt-form-model";
import { inputClass, Panel, primaryButton } from "./ui";

const DEFAULT_MAX_PARTITIONS = 12;
/** The API's limit (lib/summaries/schemas.ts). */
const MAX_PARTITIONS = 50;

/**
 * The draft in the editor (unsaved) and the production version, run on the same user's first
 * partitions, side by side. Nothing is stored as a summary; every call leaves a trace.
 */
export function Playground({
  draft,
  production,
  canRun,
}: {
  draft: PromptDraft;
  production: PromptVersion | undefined;
  canRun: boolean;
}) {
  const [user, setUser] = useState("");
  const [maxPartitions, setMaxPartitions] = useState(String(DEFAULT_MAX_PARTITIONS));
  const [ranDraft, setRanDraft] = useState<PromptDraft | null>(null);
  const users = useQuery({
    queryKey: queryKeys.users.list({ q: user.trim(), sort: "events", dir: "desc", page: 1, pageSize: 20 }),
    queryFn: () => usersApi.list({ q: user.trim(), sort: "events", dir: "desc", page: 1, pageSize: 20 }),
    placeholderData: keepPreviousData,
  });
  // Start with the first demo user listed, so one click runs the playground.
  const firstUser = users.data?.users[0]?.externalId;
  // Only when the first user listed changes: a field the user emptied stays empty.
  const [seenFirstUser, setSeenFirstUser] = useState(firstUser);
  if (firstUser !== seenFirstUser) {
    setSeenFirstUser(firstUser);
    if (firstUser && user === "") setUser(firstUser);
  }

  const run = useMutation({ mutationFn: uilApi.playground });
  const elapsed = useElapsed(run.isPending);
  const [formError, setFormError] = useState<string | null>(null);

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const request = draftToRequest(draft);
    if (!request.ok) {
      setFormError(`Fix the draft first: ${Object.values(request.errors).join(" ")}`);
      return;
    }
    const n = Number(maxPartitions);
    if (!user.trim()) {
      setFormError("Choose a user.");
      return;
    }
    if (!Number.isInteger(n) || n < 1 || n > MAX_PARTITIONS) {
      setFormError(`Partitions must be a whole number from 1 to ${MAX_PARTITIONS}.`);
      return;
    }
    setFormError(null);
    setRanDraft(draft);
    run.mutate({
      user: user.trim(),
      draft: {
        system: request.body.system,
        userTemplate: request.body.userTemplate,
        behaviorOptions: request.behaviorOptions,
      },
      maxPartitions: n,
    });
  }

  const error = run.isError ? apiErrorLines(run.error) : null;
  const outdated = run.data && ranDraft !== null && ranDraft !== draft;

  return (
    <Panel
      id="playground"
      title="Playground"
      description={
        <>
          Runs the draft above (unsaved) and production
          {production ? ` (${production.name} v${production.version})` : ""} on one user&apos;s first partitions, the
          whole cascade each. Summaries are not stored; every call is traced.
        </>
      }
    >
      <form onSubmit={submit} className="flex flex-wrap items-end gap-3" aria-label="Playground run">
        <div className="w-64">
          <label htmlFor="playground-user" className="block text-xs font-medium text-slate-600">
            User
          </label>
          <input
            id="playground-user"
            value={user}
            onChange={(e) => setUser(e.target.value)}
            list="playground-users"
            autoComplete="off"
            placeholder="external id"
            className={`${inputClass} mt-1`}
          />
          {/* Outside the label, so the suggestions are not read as part of its name. */}
          <datalist id="playground-users">
            {users.data?.users.map((u) => (
              <option key={u.externalId} value={u.externalId}>
                {`${u.eventCount} events`}
              </option>
            ))}
          </datalist>
        </div>
        <label className="block w-32 text-xs font-medium text-slate-600">
          Partitions
          <input
            inputMode="numeric"
            value={maxPartitions}
            onChange={(e) => setMaxPartitions(e.target.value)}
            className={`${inputClass} mt-1 tabular-nums`}
          />
        </label>
        {canRun ? (
          <button type="submit" className={primaryButton} disabled={run.isPending}>
            {run.isPending ? "Running…" : "Run in playground"}
          </button>
        ) : (
          <p className="pb-1.5 text-xs text-slate-500">
            Running the playground spends LLM budget: it needs the editor role.
          </p>
        )}
      </form>
      {formError && (
        <p role="alert" className="mt-2 text-sm text-red-700">
          {formError}
        </p>
      )}
      {elapsed !== null && (
        <p role="status" className="mt-3 rounded-md border border-sky-200 bg-sky-50 px-3 py-2 text-sm text-sky-900">
          Running the draft and production cascades… <span className="tabular-nums">{formatDuration(elapsed)}</span>
        </p>
      )}
      {error && (
        <div role="alert" className="mt-3 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900">
          <p className="font-medium">The playground run failed: {error.message}</p>
          {error.lines.length > 0 && (
            <ul className="mt-1 list-disc pl-5 text-xs">
              {error.lines.map((l) => (
                <li key={l}>{l}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      {run.data && (
        <div className={`mt-4 ${run.isPending ? "opacity-60" : ""}`}>
          {outdated && (
            <p className="mb-2 text-xs text-amber-700">
              The draft changed since this run: run again to see the effect.
            </p>
          )}
          <PlaygroundResults
            result={run.data}
            productionLabel={production ? `${production.name} v${production.version}` : "production"}
          />
        </div>
      )}
    </Panel>
  );
}

const TOTAL_ROWS: { label: string; value: (s: PlaygroundSide) => number; format: (n: number) => string }[] = [
  { label: "LLM calls", value: (s) => s.totals.calls, format: formatTokenCount },
  { label: "Cache hits", value: (s) => s.totals.cacheHits, format: formatTokenCount },
  { label: "Prompt tokens", value: (s) => s.totals.promptTokens, format: formatTokenCount },
  { label: "Completion tokens", value: (s) => s.totals.completionTokens, format: formatTokenCount },
  { label: "Cost", value: (s) => s.totals.costUsd, format: formatCost },
];

function PlaygroundResults({ result, productionLabel }: { result: PlaygroundResult; productionLabel: string }) {
  const [traceId, setTraceId] = useState<number | null>(null);
  const seqs = [
    ...new Set([...result.draft.summaries.map((s) => s.seq), ...result.production.summaries.map((s) => s.seq)]),
  ].sort((a, b) => a - b);
  const bySeq = (list: readonly CascadeSummary[]) => new Map(list.map((s) => [s.seq, s]));
  const draftBySeq = bySeq(result.draft.summaries);
  const productionBySeq = bySeq(result.production.summaries);
  return (
    <section aria-label="Playground results">
      <table aria-label="Playground totals" className="mb-4 w-full max-w-2xl text-left text-sm">
        <thead className="border-b border-slate-200 text-xs text-slate-500">
          <tr>
            <th scope="col" className="py-1.5 font-medium" />
            <th scope="col" className="py-1.5 text-right font-medium">
              Draft
            </th>
            <th scope="col" className="py-1.5 text-right font-medium">
              Production
            </th>
            <th scope="col" className="py-1.5 text-right font-medium">
              Draft vs production
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {TOTAL_ROWS.map((row) => {
            const d = row.value(result.draft);
            const p = row.value(result.production);
            return (
              <tr key={row.label}>
                <th scope="row" className="py-1.5 font-normal text-slate-600">
                  {row.label}
                </th>
                <td className="py-1.5 text-right font-medium text-slate-900 tabular-nums">{row.format(d)}</td>
                <td className="py-1.5 text-right text-slate-700 tabular-nums">{row.format(p)}</td>
                <td className="py-1.5 text-right text-slate-500 tabular-nums">{formatChange(d, p) ?? "–"}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="grid grid-cols-2 gap-x-3 gap-y-2">
        <h3 className="sticky top-0 z-10 bg-white py-1 text-xs font-semibold tracking-wide text-slate-700 uppercase">
          Draft (unsaved)
        </h3>
        <h3 className="sticky top-0 z-10 bg-white py-1 text-xs font-semibold tracking-wide text-slate-700 uppercase">
          Production · {productionLabel}
        </h3>
        {seqs.map((seq) => (
          <PlaygroundRow
            key={seq}
            draft={draftBySeq.get(seq)}
            production={productionBySeq.get(seq)}
            onOpenTrace={setTraceId}
          />
        ))}
      </div>
      {seqs.length === 0 && <p className="text-sm text-slate-500">This user has no sealed partitions to run on.</p>}
      <TraceDialog callId={traceId} onClose={() => setTraceId(null)} />
    </section>
  );
}

function PlaygroundRow({
  draft,
  production,
  onOpenTrace,
}: {
  draft: CascadeSummary | undefined;
  production: CascadeSummary | undefined;
  onOpenTrace: (id: number) => void;
}) {
  const cell = (entry: CascadeSummary | undefined, side: "draft" | "production") => (
    <div data-testid={`playground-${side}`} className="min-w-0">
      {entry ? (
        <SummaryCard
          entry={entry}
          onOpenTrace={onOpenTrace}
          idPrefix={`playground-${side}`}
          labelPrefix={side === "draft" ? "Draft" : "Production"}
        />
      ) : null}
    </div>
  );
  return (
    <>
      {cell(draft, "draft")}
      {cell(production, "production")}
    </>
  );
}
