import { partitionConfigSchema, type PartitionConfig } from "@/lib/liber/ubsp";
import type { Pricing } from "@/lib/partitions/api-client";

// The what-if form's state and its translation to and from a PartitionConfig. Pure, so the
// rules (a ticked rule needs a number, days become milliseconds, the schema's own cross-field
// checks land on the right input) are unit-tested without a browser.

export const DAY_MS = 86_400_000;

/** A rule's input: the text typed (kept as typed) and whether the rule is on. */
export interface RuleInput {
  enabled: boolean;
  value: string;
}

export interface ConfigFormState {
  maxCount: RuleInput;
  minCount: RuleInput;
  maxGapDays: RuleInput;
  maxSpanDays: RuleInput;
  /** The drift rule: on/off once, with its threshold and minimum size. */
  drift: { enabled: boolean; threshold: string; minSize: string };
}

export type FieldKey = "maxCount" | "minCount" | "maxGapDays" | "maxSpanDays" | "driftThreshold" | "driftMinSize";

export type FormResult =
  | { ok: true; config: PartitionConfig }
  | { ok: false; fieldErrors: Partial<Record<FieldKey, string>>; formError?: string };

export const DEFAULT_FORM: ConfigFormState = {
  maxCount: { enabled: true, value: "50" },
  minCount: { enabled: false, value: "5" },
  maxGapDays: { enabled: false, value: "30" },
  maxSpanDays: { enabled: false, value: "365" },
  drift: { enabled: false, threshold: "0.3", minSize: "20" },
};

/** Trims "1.50" to "1.5" and keeps integers plain; at most 4 decimals. */
function numberText(n: number): string {
  return String(Math.round(n * 10_000) / 10_000);
}

export function configToForm(config: PartitionConfig): ConfigFormState {
  const rule = (value: number | undefined, fallback: RuleInput): RuleInput =>
    value === undefined ? { enabled: false, value: fallback.value } : { enabled: true, value: numberText(value) };
  return {
    maxCount: rule(config.maxCount, DEFAULT_FORM.maxCount),
    minCount: rule(config.minCount, DEFAULT_FORM.minCount),
    maxGapDays: rule(config.maxGapMs === undefined ? undefined : config.maxGapMs / DAY_MS, DEFAULT_FORM.maxGapDays),
    maxSpanDays: rule(config.maxSpanMs === undefined ? undefined : config.maxSpanMs / DAY_MS, DEFAULT_FORM.maxSpanDays),
    drift: config.drift
      ? { enabled: true, threshold: numberText(config.drift.threshold), minSize: String(config.drift.minSize) }
      : { ...DEFAULT_FORM.drift, enabled: false },
  };
}

type NumberCheck = { integer?: boolean; min: number; max?: number; maxExclusive?: boolean };

function readNumber(
  text: string,
  check: NumberCheck,
  whenEmpty = "Enter a value, or untick the rule",
): { value: number } | { error: string } {
  const trimmed = text.trim();
  if (trimmed === "") return { error: whenEmpty };
  const n = Number(trimmed);
  if (!Number.isFinite(n)) return { error: "Enter a number" };
  if (check.integer && !Number.isInteger(n)) return { error: "Enter a whole number" };
  if (n < check.min) return { error: `Must be at least ${check.min}` };
  if (check.max !== undefined && (check.maxExclusive ? n >= check.max : n > check.max)) {
    return { error: `Must be ${check.maxExclusive ? "below" : "at most"} ${check.max}` };
  }
  return { value: n };
}

/** The schema's cross-field checks (lib/liber/ubsp.ts), said in the form's terms. */
const FRIENDLY_CROSS_FIELD: Partial<Record<FieldKey, string>> = {
  minCount: "Must be below max count (K), or gap, span and drift can never seal",
  driftMinSize: "Must be below max count (K), or drift can never seal",
};

/** Schema issue path -> the input that shows it. */
function fieldOfPath(path: readonly PropertyKey[]): FieldKey | undefined {
  const [head, sub] = path;
  if (head === "maxCount" || head === "minCount") return head;
  if (head === "maxGapMs") return "maxGapDays";
  if (head === "maxSpanMs") return "maxSpanDays";
  if (head === "drift") return sub === "threshold" ? "driftThreshold" : "driftMinSize";
  return undefined;
}

/** The config the form describes, or why it is not a valid one (per input, and overall). */
export function formToConfig(form: ConfigFormState): FormResult {
  const fieldErrors: Partial<Record<FieldKey, string>> = {};
  const config: PartitionConfig = {};
  const take = (key: FieldKey, input: RuleInput, check: NumberCheck, set: (n: number) => void) => {
    if (!input.enabled) return;
    const r = readNumber(input.value, check);
    if ("error" in r) fieldErrors[key] = r.error;
    else set(r.value);
  };
  take("maxCount", form.maxCount, { integer: true, min: 1 }, (n) => (config.maxCount = n));
  take("minCount", form.minCount, { integer: true, min: 1 }, (n) => (config.minCount = n));
  take("maxGapDays", form.maxGapDays, { min: 0 }, (n) => (config.maxGapMs = Math.round(n * DAY_MS)));
  take("maxSpanDays", form.maxSpanDays, { min: 0 }, (n) => (config.maxSpanMs = Math.round(n * DAY_MS)));
  if (form.drift.enabled) {
    const threshold = readNumber(form.drift.threshold, { min: 0, max: 1, maxExclusive: true });
    const minSize = readNumber(form.drift.minSize, { integer: true, min: 1 });
    if ("error" in threshold) fieldErrors.driftThreshold = threshold.error;
    if ("error" in minSize) fieldErrors.driftMinSize = minSize.error;
    if ("value" in threshold && "value" in minSize)
      config.drift = { threshold: threshold.value, minSize: minSize.value };
  }
  if (Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors };
  if (
    config.maxCount === undefined &&
    config.maxGapMs === undefined &&
    config.maxSpanMs === undefined &&
    !config.drift
  ) {
    return {
      ok: false,
      fieldErrors,
      formError: "Tick at least one sealing rule: max count, max gap, max span or interest drift.",
    };
  }

  // The schema's cross-field rules (minCount below K...), in the form's words where we know them.
  const parsed = partitionConfigSchema.safeParse(config);
  if (parsed.success) return { ok: true, config: parsed.data };
  let formError: string | undefined;
  for (const issue of parsed.error.issues) {
    const field = fieldOfPath(issue.path);
    if (field) fieldErrors[field] ??= FRIENDLY_CROSS_FIELD[field] ?? issue.message;
    else formError ??= issue.message;
  }
  return { ok: false, fieldErrors, formError };
}

const days = (ms: number) => {
  const d = ms / DAY_MS;
  return `${numberText(d)} d`;
};

/** One line per config: "K 50 · gap > 30 d · drift > 0.3 (from 20)". */
export function describeConfig(config: PartitionConfig): string {
  const parts: string[] = [];
  if (config.maxCount !== undefined) parts.push(`K ${config.maxCount}`);
  if (config.minCount !== undefined) parts.push(`min ${config.minCount}`);
  if (config.maxGapMs !== undefined) parts.push(`gap > ${days(config.maxGapMs)}`);
  if (config.maxSpanMs !== undefined) parts.push(`span > ${days(config.maxSpanMs)}`);
  if (config.drift) parts.push(`drift > ${numberText(config.drift.threshold)} (from ${config.drift.minSize})`);
  return parts.join(" · ") || "no rules";
}

/** A config field's value for the diff table: durations in days, absent as "off". */
export function formatConfigValue(field: string, value: unknown): string {
  if (value === undefined || value === null) return "off";
  if (typeof value === "number" && /Ms$/.test(field)) return days(value);
  if (typeof value === "number") return numberText(value);
  if (typeof value === "object") {
    if (field === "drift" && "threshold" in value && "minSize" in value) {
      const d = value as { threshold: number; minSize: number };
      return `> ${numberText(d.threshold)} (from ${d.minSize})`;
    }
    return JSON.stringify(value);
  }
  return String(value);
}

/** Human names of config fields (the diff API names them as in the JSON). */
export const FIELD_LABELS: Record<string, string> = {
  maxCount: "Max count (K)",
  minCount: "Min count",
  maxGapMs: "Max gap",
  maxSpanMs: "Max span",
  drift: "Drift rule",
  "drift.threshold": "Drift threshold",
  "drift.minSize": "Drift min size",
};

// --- Pricing of the LLM work estimate ---------------------------------------------------

export const DEFAULT_PRICING: Pricing = {
  inputPerMTok: 0.15,
  outputPerMTok: 0.6,
  tokensPerEvent: 30,
  basePromptTokens: 400,
  outputTokensPerCall: 200,
};

export type PricingForm = Record<keyof Pricing, string>;

export const DEFAULT_PRICING_FORM: PricingForm = Object.fromEntries(
  Object.entries(DEFAULT_PRICING).map(([k, v]) => [k, String(v)]),
) as PricingForm;

export function pricingFromForm(
  form: PricingForm,
): { ok: true; pricing: Pricing } | { ok: false; errors: Partial<Record<keyof Pricing, string>> } {
  const errors: Partial<Record<keyof Pricing, string>> = {};
  const pricing = {} as Pricing;
  for (const key of Object.keys(DEFAULT_PRICING) as (keyof Pricing)[]) {
    const r = readNumber(form[key], { min: 0 }, "Enter a number");
    if ("error" in r) errors[key] = r.error;
    else pricing[key] = r.value;
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, pricing };
}
