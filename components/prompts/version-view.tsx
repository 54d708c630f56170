"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { queryKeys } from "@/lib/query-keys";
import { uilApi, type PromptVersion } from "@/lib/summaries/api-client";
import { useSession } from "@/components/auth/use-session";
import { formatDateTime, formatNumber } from "@/components/ui/format";
import { LabelBadges, Panel, primaryButton, secondaryButton } from "./ui";

/** One immutable version: its texts and options, and the actions on it. */
export function VersionView({
  version,
  production,
  onEdit,
  onCompareWithProduction,
}: {
  version: PromptVersion;
  production: PromptVersion | undefined;
  onEdit: () => void;
  onCompareWithProduction: () => void;
}) {
  const { can } = useSession();
  const isProduction = version.labels.includes("production");
  const o = version.behaviorOptions;
  return (
    <Panel
      id="prompt-version"
      title={`${version.name} v${version.version}`}
      description={
        <>
          Created {formatDateTime(version.createdAt)} UTC{version.createdBy ? ` by ${version.createdBy}` : ""}. Versions
          are immutable: edit one into a new version.
        </>
      }
      actions={
        <>
          <LabelBadges labels={version.labels} />
          {production && !isProduction && (
            <button type="button" className={secondaryButton} onClick={onCompareWithProduction}>
              Compare with production
            </button>
          )}
          <button type="button" className={secondaryButton} onClick={onEdit}>
            Edit into a new version
          </button>
          {can("editor") && !isProduction && <MakeProduction version={version} production={production} />}
        </>
      }
    >
      {version.note && (
        <p className="mb-4 rounded-md bg-slate-50 px-3 py-2 text-sm text-slate-700">
          <span className="font-medium">Note: </span>
          {version.note}
        </p>
      )}
      <div className="space-y-4">
        <TemplateBlock title="System prompt" text={version.system} />
        <TemplateBlock title="User template" text={version.userTemplate} />
        <div>
          <h3 className="mb-1.5 text-xs font-semibold tracking-wide text-slate-500 uppercase">Behaviour options</h3>
          <dl className="grid grid-cols-2 gap-3 text-sm sm:grid-cols-4">
            {(
              [
                ["Fields per line", o.fields.join(" | ")],
                ["Max items", formatNumber(o.maxItems)],
                ["Max title length", `${formatNumber(o.maxTitleChars)} chars`],
                ["Token budget", `${formatNumber(o.tokenBudget)} tokens`],
              ] as const
            ).map(([label, value]) => (
              <div key={label} className="rounded-md border border-slate-200 px-3 py-2">
                <dt className="text-xs text-slate-500">{label}</dt>
                <dd className="mt-0.5 font-medium text-slate-900">{value}</dd>
              </div>
            ))}
          </dl>
        </div>
      </div>
    </Panel>
  );
}

function TemplateBlock({ title, text }: { title: string; text: string }) {
  return (
    <div>
      <h3 className="mb-1.5 text-xs font-semibold tracking-wide text-slate-500 uppercase">{title}</h3>
      <pre className="max-h-80 overflow-auto rounded-md border border-slate-200 bg-slate-50 p-3 font-mono text-xs leading-relaxed whitespace-pre-wrap text-slate-800">
        {text}
      </pre>
    </div>
  );
}

/**
 * Moving the production label changes what every user page and every new cascade run uses,
 * so it takes a second, explicit click.
 */
function MakeProduction({ version, production }: { version: PromptVersion; production: PromptVersion | undefined }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const promote = useMutation({
    mutationFn: () => uilApi.setLabel(version.id, "production"),
    onSuccess: () => setConfirming(false),
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.summaries.all }),
  });
  if (!confirming) {
    return (
      <button type="button" className={primaryButton} onClick={() => setConfirming(true)}>
        Make production
      </button>
    );
  }
  return (
    <div
      role="group"
      aria-label="Confirm the production change"
      className="flex w-full flex-wrap items-center gap-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-950"
    >
      <span className="min-w-0 flex-1">
        Make{" "}
        <strong>
          {version.name} v{version.version}
        </strong>{" "}
        the production prompt
        {production ? ` instead of ${production.name} v${production.version}` : ""}? User pages and new cascade runs
        will use it; partitions without a summary under it show as not summarised.
      </span>
      <button type="button" className={primaryButton} disabled={promote.isPending} onClick={() => promote.mutate()}>
        {promote.isPending ? "Moving the label…" : "Yes, make production"}
      </button>
      <button
        type="button"
        className={secondaryButton}
        disabled={promote.isPending}
        onClick={() => setConfirming(false)}
      >
        Cancel
      </button>
      {promote.isError && (
        <p role="alert" className="w-full text-red-700">
          {promote.error.message}
        </p>
      )}
    </div>
  );
}
