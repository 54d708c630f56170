"use client";

import { useMemo, useState, type ReactNode } from "react";
import type { Pricing, PreviewResult, UserPartitions } from "@/lib/partitions/api-client";
import { bandsFromUserPartitions } from "@/components/partitions/bands";
import { configVersionLabel } from "@/components/partitions/config-label";
import {
  PartitionTimeline,
  type TimelineRow,
  type TimelineScaleMode,
} from "@/components/partitions/partition-timeline";
import { ScaleToggle } from "@/components/partitions/scale-toggle";
import { formatNumber } from "@/components/ui/format";
import { DEFAULT_PRICING, type PricingForm } from "./config-form";
import { SizeHistogramChart } from "./size-histogram-chart";

// The right-hand side of the what-if screen: the chosen user's partitions (draft against
// active, on one aligned time scale), the population's partition sizes, and the LLM work.

export function formatCost(dollars: number): string {
  if (dollars === 0) return "$0";
  if (dollars < 0.01) return `$${dollars.toFixed(4)}`;
  if (dollars < 100) return `$${dollars.toFixed(2)}`;
  return `$${formatNumber(Math.round(dollars))}`;
}

/** "1.2M", "35.4k", "812": token counts at a glance (the exact number is in the title). */
export function formatCompact(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(n >= 1e10 ? 0 : 1)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(n >= 1e5 ? 0 : 1)}k`;
  return formatNumber(n);
}

export function UserComparison({
  externalId,
  draft,
  active,
}: {
  externalId: string;
  draft: PreviewResult["user"];
  active: UserPartitions | undefined;
}) {
  const [mode, setMode] = useState<TimelineScaleMode>("time");
  const draftBands = useMemo(() => (draft ? bandsFromUserPartitions(draft) : []), [draft]);
  const activeBands = useMemo(() => (active ? bandsFromUserPartitions(active) : null), [active]);
  const rows = useMemo<TimelineRow[]>(
    () => [
      { id: "draft", label: "Draft", bands: draftBands },
      ...(activeBands ? [{ id: "active", label: "Active", bands: activeBands }] : []),
    ],
    [draftBands, activeBands],
  );
  const draftSealed = draftBands.filter((b) => !b.open).length;
  const activeSealed = activeBands?.filter((b) => !b.open).length;
  return (
    <div>
      <div className="mb-2 flex flex-wrap items-center justify-between gap-2">
        <p className="text-xs text-slate-600" data-testid="user-preview-summary">
          <span className="font-medium text-slate-900">{formatNumber(draftSealed)}</span> sealed partitions under the
          draft
          {activeSealed !== undefined && active && (
            <>
              {" "}
              vs <span className="font-medium text-slate-900">{formatNumber(activeSealed)}</span> under{" "}
              {configVersionLabel(active.config)} (active)
            </>
          )}
        </p>
        <ScaleToggle value={mode} onChange={setMode} />
      </div>
      <PartitionTimeline
        rows={rows}
        mode={mode}
        rowHeight={30}
        label={`Partitions of user ${externalId}: draft against active`}
      />
    </div>
  );
}

export function PopulationSummary({
  population,
  pricing,
}: {
  population: PreviewResult["population"];
  pricing: ReactNode;
}) {
  const { users, events, partitions, differingFromActive, activeConfigId, estimate } = population;
  const estimateScope =
    activeConfigId !== null && estimate.calls === 0 && differingFromActive === 0
      ? "The active version already has every one of these partitions: nothing to summarise."
      : activeConfigId !== null && estimate.calls === differingFromActive
        ? `One call for each of the ${formatNumber(differingFromActive)} partitions the active version does not have.`
        : estimate.calls === partitions
          ? `One call for each of the ${formatNumber(partitions)} partitions.`
          : `One call for each of ${formatNumber(estimate.calls)} partitions.`;
  return (
    <div className="space-y-4">
      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4">
        <Stat label="Sealed partitions" value={formatNumber(partitions)} raw={partitions} testId="draft-partitions" />
        <Stat
          label="Differ from active"
          value={activeConfigId === null ? "–" : formatNumber(differingFromActive)}
          raw={differingFromActive}
          testId="draft-differing"
          detail={
            activeConfigId === null
              ? "no active version"
              : partitions
                ? `${Math.round((differingFromActive / partitions) * 100)}% of the draft's`
                : undefined
          }
        />
        <Stat label="Users" value={formatNumber(users)} />
        <Stat label="Events" value={formatNumber(events)} />
      </dl>
      <div className="grid gap-4 lg:grid-cols-2">
        <div className="min-w-0">
          <h4 className="text-xs font-semibold text-slate-700">Partition sizes</h4>
          <p className="mb-1 text-[11px] text-slate-500">Sealed partitions by number of events.</p>
          <SizeHistogramChart buckets={population.sizeHistogram} />
        </div>
        <div className="min-w-0 rounded-md border border-slate-200 bg-slate-50/60 p-3">
          <h4 className="text-xs font-semibold text-slate-700">LLM work to re-summarise</h4>
          <p className="text-[11px] text-slate-500">{estimateScope}</p>
          <dl className="mt-2 grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-2 2xl:grid-cols-4">
            <Stat label="Calls" value={formatNumber(estimate.calls)} raw={estimate.calls} testId="estimate-calls" />
            <Stat
              label="Prompt tokens"
              value={formatCompact(estimate.promptTokens)}
              title={formatNumber(estimate.promptTokens)}
              raw={estimate.promptTokens}
              testId="estimate-prompt-tokens"
            />
            <Stat
              label="Output tokens"
              value={formatCompact(estimate.completionTokens)}
              title={formatNumber(estimate.completionTokens)}
              raw={estimate.completionTokens}
              testId="estimate-completion-tokens"
            />
            <Stat
              label="Cost"
              value={formatCost(estimate.cost)}
              title={`$${estimate.cost}`}
              raw={estimate.cost}
              testId="estimate-cost"
              emphasis
            />
          </dl>
          <div className="mt-3 border-t border-slate-200 pt-3">{pricing}</div>
        </div>
      </div>
    </div>
  );
}

function Stat({
  label,
  value,
  raw,
  detail,
  testId,
  title,
  emphasis = false,
}: {
  label: string;
  value: string;
  /** The exact number behind a rounded display, for tests and tools (data-value). */
  raw?: number;
  detail?: string;
  testId?: string;
  title?: string;
  emphasis?: boolean;
}) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd
        data-testid={testId}
        data-value={raw}
        title={title}
        className={`mt-0.5 truncate font-semibold tabular-nums ${emphasis ? "text-lg text-emerald-700" : "text-lg text-slate-900"}`}
      >
        {value}
      </dd>
      {detail && <dd className="truncate text-[11px] text-slate-500">{detail}</dd>}
    </div>
  );
}

const PRICING_FIELDS: { key: keyof Pricing; label: string; unit: string }[] = [
  { key: "inputPerMTok", label: "Input price", unit: "$ per 1M tokens" },
  { key: "outputPerMTok", label: "Output price", unit: "$ per 1M tokens" },
  { key: "tokensPerEvent", label: "Prompt tokens", unit: "per event" },
  { key: "basePromptTokens", label: "Base prompt", unit: "tokens per call" },
  { key: "outputTokensPerCall", label: "Output", unit: "tokens per call" },
];

/** The assumptions behind the cost estimate, editable (defaults: a small hosted model). */
export function PricingInputs({
  form,
  onChange,
  errors,
}: {
  form: PricingForm;
  onChange: (next: PricingForm) => void;
  errors: Partial<Record<keyof Pricing, string>>;
}) {
  return (
    <fieldset>
      <legend className="mb-1.5 text-xs font-semibold text-slate-700">Pricing assumptions</legend>
      <div className="grid grid-cols-2 items-end gap-x-3 gap-y-2">
        {PRICING_FIELDS.map((f) => (
          <label key={f.key} className="block min-w-0 text-[11px] leading-tight text-slate-500">
            <span className="font-medium text-slate-600">{f.label}</span>{" "}
            <span className="whitespace-nowrap">({f.unit})</span>
            <input
              type="number"
              min={0}
              step="any"
              value={form[f.key]}
              placeholder={String(DEFAULT_PRICING[f.key])}
              aria-label={`${f.label} (${f.unit})`}
              aria-invalid={errors[f.key] ? true : undefined}
              onChange={(e) => onChange({ ...form, [f.key]: e.target.value })}
              className={`mt-0.5 w-full rounded-md border bg-white px-2 py-1 text-right text-sm tabular-nums text-slate-900 shadow-sm focus:ring-2 focus:outline-none ${
                errors[f.key]
                  ? "border-red-400 focus:ring-red-200"
                  : "border-slate-300 focus:border-sky-500 focus:ring-sky-200"
              }`}
            />
            {errors[f.key] && <span className="mt-0.5 block text-red-700">{errors[f.key]}</span>}
          </label>
        ))}
      </div>
    </fieldset>
  );
}
