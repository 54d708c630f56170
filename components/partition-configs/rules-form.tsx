"use client";

import { useId, type ReactNode } from "react";
import type { ConfigFormState, FieldKey, RuleInput } from "./config-form";

// The sealing rules of the draft config: each rule has a checkbox (off = rule not in the
// config) and a number. Edits go straight to the parent; the preview is debounced there.

type RuleKey = "maxCount" | "minCount" | "maxGapDays" | "maxSpanDays";

const RULES: { key: RuleKey; label: string; unit?: string; hint: string; step: string }[] = [
  {
    key: "maxCount",
    label: "Max count (K)",
    unit: "events",
    hint: "Seal as soon as the cache holds K events.",
    step: "1",
  },
  {
    key: "minCount",
    label: "Min count",
    unit: "events",
    hint: "No gap, span or drift seal below this size.",
    step: "1",
  },
  {
    key: "maxGapDays",
    label: "Max gap",
    unit: "days",
    hint: "Seal before an event that comes after a longer pause.",
    step: "any",
  },
  {
    key: "maxSpanDays",
    label: "Max span",
    unit: "days",
    hint: "Seal before the cache would cover a longer period.",
    step: "any",
  },
];

export function RulesForm({
  form,
  onChange,
  fieldErrors,
  formError,
}: {
  form: ConfigFormState;
  onChange: (next: ConfigFormState) => void;
  fieldErrors: Partial<Record<FieldKey, string>>;
  formError?: string;
}) {
  const setRule = (key: RuleKey, patch: Partial<RuleInput>) => onChange({ ...form, [key]: { ...form[key], ...patch } });
  const setDrift = (patch: Partial<ConfigFormState["drift"]>) =>
    onChange({ ...form, drift: { ...form.drift, ...patch } });
  return (
    <fieldset className="grid gap-3 md:grid-cols-2 xl:grid-cols-1">
      <legend className="sr-only">Sealing rules</legend>
      {RULES.map((r) => (
        <RuleRow
          key={r.key}
          label={r.label}
          hint={r.hint}
          enabled={form[r.key].enabled}
          onToggle={(enabled) => setRule(r.key, { enabled })}
          error={fieldErrors[r.key]}
        >
          {(inputId, describedBy) => (
            <NumberInput
              id={inputId}
              label={r.label}
              value={form[r.key].value}
              disabled={!form[r.key].enabled}
              onChange={(value) => setRule(r.key, { value })}
              unit={r.unit}
              step={r.step}
              invalid={Boolean(fieldErrors[r.key])}
              describedBy={describedBy}
            />
          )}
        </RuleRow>
      ))}
      <RuleRow
        label="Interest drift"
        hint="Seal when the cache's category mix departs from the previous partition's (Jensen-Shannon divergence, 0-1)."
        enabled={form.drift.enabled}
        onToggle={(enabled) => setDrift({ enabled })}
        error={fieldErrors.driftThreshold ?? fieldErrors.driftMinSize}
      >
        {(inputId, describedBy) => (
          <div className="grid grid-cols-2 gap-2">
            <NumberInput
              id={inputId}
              label="Drift threshold"
              caption="threshold"
              value={form.drift.threshold}
              disabled={!form.drift.enabled}
              onChange={(threshold) => setDrift({ threshold })}
              step="0.05"
              invalid={Boolean(fieldErrors.driftThreshold)}
              describedBy={describedBy}
            />
            <NumberInput
              id={`${inputId}-min`}
              label="Drift min size"
              caption="from size"
              value={form.drift.minSize}
              disabled={!form.drift.enabled}
              onChange={(minSize) => setDrift({ minSize })}
              step="1"
              invalid={Boolean(fieldErrors.driftMinSize)}
              describedBy={describedBy}
            />
          </div>
        )}
      </RuleRow>
      {formError && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 md:col-span-2 xl:col-span-1">
          {formError}
        </p>
      )}
    </fieldset>
  );
}

function RuleRow({
  label,
  hint,
  enabled,
  onToggle,
  error,
  children,
}: {
  label: string;
  hint: string;
  enabled: boolean;
  onToggle: (enabled: boolean) => void;
  error?: string;
  children: (inputId: string, describedBy: string) => ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  return (
    <div
      className={`rounded-md border px-3 py-2.5 ${enabled ? "border-slate-200 bg-white" : "border-slate-100 bg-slate-50"}`}
    >
      <div className="flex items-center justify-between gap-3">
        <label className="flex min-w-0 items-center gap-2 text-sm font-medium text-slate-800">
          <input
            type="checkbox"
            checked={enabled}
            onChange={(e) => onToggle(e.target.checked)}
            aria-label={`Use ${label.toLowerCase()}`}
            className="h-4 w-4 rounded border-slate-300 accent-slate-900"
          />
          {label}
        </label>
        <div className="w-36 shrink-0">{children(`${id}-input`, error ? `${hintId} ${errorId}` : hintId)}</div>
      </div>
      <p id={hintId} className={`mt-1 text-xs ${enabled ? "text-slate-500" : "text-slate-400"}`}>
        {hint}
      </p>
      {error && (
        <p id={errorId} className="mt-1 text-xs font-medium text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}

function NumberInput({
  id,
  label,
  caption,
  value,
  disabled,
  onChange,
  unit,
  step,
  invalid,
  describedBy,
}: {
  id: string;
  label: string;
  caption?: string;
  value: string;
  disabled: boolean;
  onChange: (value: string) => void;
  unit?: string;
  step: string;
  invalid: boolean;
  describedBy: string;
}) {
  return (
    <div className="relative">
      {caption && <span className="mb-0.5 block text-[10px] uppercase tracking-wide text-slate-400">{caption}</span>}
      <input
        id={id}
        type="number"
        inputMode="decimal"
        min={0}
        step={step}
        value={value}
        disabled={disabled}
        aria-label={label}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        onChange={(e) => onChange(e.target.value)}
        className={`w-full rounded-md border bg-white py-1 pl-2 text-right text-sm tabular-nums text-slate-900 shadow-sm focus:ring-2 focus:outline-none disabled:bg-slate-100 disabled:text-slate-400 ${
          unit ? "pr-14" : "pr-2"
        } ${invalid ? "border-red-400 focus:border-red-500 focus:ring-red-200" : "border-slate-300 focus:border-sky-500 focus:ring-sky-200"}`}
      />
      {unit && (
        <span className="pointer-events-none absolute inset-y-0 right-2 flex items-center text-xs text-slate-400">
          {unit}
        </span>
      )}
    </div>
  );
}
