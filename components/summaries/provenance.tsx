import type { CascadeSummary, Interest } from "@/lib/summaries/api-client";
import {
  formatCost,
  formatTokens,
  interestStyle,
  isBuiltinProvider,
  providerLabel,
  rankedInterests,
} from "./summary-format";

/**
 * Who wrote a text: provider and model. The builtin provider is rule-based, so its badge is
 * amber and says "not an LLM" in words, never by colour alone.
 */
export function ProviderBadge({ provider, model }: { provider: string | null; model: string | null }) {
  const builtin = isBuiltinProvider(provider);
  return (
    <span
      data-testid="provider-badge"
      title={builtin ? "Written by LIBER's rule-based extractive summariser, not by a language model." : undefined}
      className={`inline-flex items-center rounded-full px-2 py-0.5 text-[11px] font-medium ring-1 ring-inset ${
        builtin ? "bg-amber-50 text-amber-900 ring-amber-300" : "bg-violet-50 text-violet-800 ring-violet-200"
      }`}
    >
      {providerLabel(provider, model)}
    </span>
  );
}

/** The provenance line of a summary: provider badge, prompt version, tokens, cost, cache. */
export function SummaryProvenance({ entry }: { entry: CascadeSummary }) {
  return (
    <div className="flex flex-wrap items-center gap-x-2 gap-y-1 text-[11px] text-slate-500">
      <ProviderBadge provider={entry.provider} model={entry.model} />
      {entry.promptVersion ? (
        <span className="rounded bg-slate-100 px-1.5 py-0.5 font-medium text-slate-700">
          prompt v{entry.promptVersion.version}
        </span>
      ) : (
        <span className="rounded bg-amber-50 px-1.5 py-0.5 font-medium text-amber-800">unsaved draft prompt</span>
      )}
      <span className="tabular-nums">{formatTokens(entry.promptTokens, entry.completionTokens)}</span>
      <span aria-hidden="true">·</span>
      <span className="tabular-nums" title="Cost of the call that wrote this text">
        {formatCost(entry.costUsd)}
      </span>
      {entry.cacheHit && (
        <span className="rounded bg-sky-50 px-1.5 py-0.5 font-medium text-sky-700 ring-1 ring-sky-200 ring-inset">
          cache hit
        </span>
      )}
    </div>
  );
}

/** Interests strongest first; the bar under each label is its weight (and weak ones fade). */
export function InterestChips({ interests, label = "Interests" }: { interests: readonly Interest[]; label?: string }) {
  const ranked = rankedInterests(interests);
  if (ranked.length === 0) return null;
  return (
    <ul aria-label={label} className="flex flex-wrap gap-1.5">
      {ranked.map((interest) => {
        const { barPercent, opacity } = interestStyle(interest.weight);
        return (
          <li
            key={interest.label}
            title={`${interest.label}: weight ${interest.weight.toFixed(2)}`}
            style={{ opacity }}
            className="relative overflow-hidden rounded-md bg-white px-2 pt-0.5 pb-1 text-xs text-slate-800 ring-1 ring-slate-200 ring-inset"
          >
            {interest.label} <span className="text-slate-500 tabular-nums">{interest.weight.toFixed(2)}</span>
            <span
              aria-hidden="true"
              className="absolute bottom-0 left-0 h-[3px] rounded-r bg-sky-500"
              style={{ width: `${barPercent}%` }}
            />
          </li>
        );
      })}
    </ul>
  );
}
