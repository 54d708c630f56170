import { ApiRequestError } from "@/lib/api/fetch-json";
import { PROMPT_VARIABLES, templateVariables, type BehaviorField } from "@/lib/llm/prompt";
import type { BehaviorOptions, NewPromptVersion, PromptVersion } from "@/lib/summaries/api-client";

// The prompt editor's state and checks, without React: the form edits strings (so a
// half-typed number stays as typed), and turns into the API's body only when it is valid.

export const BEHAVIOR_FIELDS: readonly BehaviorField[] = ["date", "title", "categories", "kind", "value"];

/** What each template variable becomes when a partition is rendered (lib/llm/prompt.ts). */
export const VARIABLE_HELP: Record<(typeof PROMPT_VARIABLES)[number], string> = {
  profile: "the user's profile attributes, one per line, in a <profile> block",
  previous_summary: "the previous partition's summary and interests (or a note that there is none)",
  behaviors: "the partition's behaviours, one line each with the fields below, in a <behaviors> block",
  time_range: "the partition's first and last day and its length",
  partition_index: "the partition's position in the user's stream, from 0",
};

export const AVAILABLE_VARIABLES: readonly string[] = PROMPT_VARIABLES;

export interface PromptDraft {
  name: string;
  system: string;
  userTemplate: string;
  fields: string[];
  maxItems: string;
  maxTitleChars: string;
  tokenBudget: string;
  note: string;
}

export function draftFromVersion(v: PromptVersion): PromptDraft {
  return {
    name: v.name,
    system: v.system,
    userTemplate: v.userTemplate,
    fields: [...v.behaviorOptions.fields],
    maxItems: String(v.behaviorOptions.maxItems),
    maxTitleChars: String(v.behaviorOptions.maxTitleChars),
    tokenBudget: String(v.behaviorOptions.tokenBudget),
    note: "",
  };
}

/** Turning a field on appends it (the order is the column order); turning it off removes it. */
export function toggleField(fields: readonly string[], field: string, on: boolean): string[] {
  const without = fields.filter((f) => f !== field);
  return on ? [...without, field] : without;
}

/** Has the draft anything that the version it started from does not? (The note is not content.) */
export function draftChanged(draft: PromptDraft, base: PromptVersion): boolean {
  const o = base.behaviorOptions;
  return (
    draft.name.trim() !== base.name ||
    draft.system !== base.system ||
    draft.userTemplate !== base.userTemplate ||
    draft.fields.join("|") !== o.fields.join("|") ||
    draft.maxItems.trim() !== String(o.maxItems) ||
    draft.maxTitleChars.trim() !== String(o.maxTitleChars) ||
    draft.tokenBudget.trim() !== String(o.tokenBudget)
  );
}

/** Placeholders of a template that the renderer does not know (the API refuses them too). */
export function unknownVariables(template: string): string[] {
  return templateVariables(template).filter((name) => !AVAILABLE_VARIABLES.includes(name));
}

export type DraftErrors = Partial<
  Record<"name" | "system" | "userTemplate" | "fields" | "maxItems" | "maxTitleChars" | "tokenBudget", string>
>;

/** Limits of the API's behaviour options (lib/summaries/prompts.ts), checked here to save a round trip. */
export const OPTION_LIMITS = {
  maxItems: { min: 1, max: 5000 },
  maxTitleChars: { min: 8, max: 1000 },
  tokenBudget: { min: 100, max: 200_000 },
} as const;

/** Prompt names as the API accepts them: lower-case letters, digits, _ and -. */
export const PROMPT_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

function wholeNumber(text: string, label: string, { min, max }: { min: number; max: number }): number | string {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return `${label} must be a whole number.`;
  const n = Number(trimmed);
  if (n < min || n > max)
    return `${label} must be between ${min.toLocaleString("en-US")} and ${max.toLocaleString("en-US")}.`;
  return n;
}

/**
 * The draft as the API's body, or what to fix first. These checks only save a round trip:
 * the API validates again and its 422 message is shown as it is.
 */
export function draftToRequest(
  draft: PromptDraft,
): { ok: true; body: NewPromptVersion; behaviorOptions: BehaviorOptions } | { ok: false; errors: DraftErrors } {
  const errors: DraftErrors = {};
  const name = draft.name.trim();
  if (!name) errors.name = "Give the prompt a name.";
  else if (!PROMPT_NAME_PATTERN.test(name))
    errors.name = "Lower-case letters, digits, _ and - only (at most 64), e.g. uil or uil-short.";
  if (!draft.system.trim()) errors.system = "The system prompt is empty.";
  if (!draft.userTemplate.trim()) errors.userTemplate = "The user template is empty.";
  for (const key of ["system", "userTemplate"] as const) {
    const unknown = unknownVariables(draft[key]);
    if (unknown.length > 0 && !errors[key]) {
      errors[key] =
        `Unknown variable${unknown.length > 1 ? "s" : ""} ${unknown.map((u) => `{{${u}}}`).join(", ")}. Available: ${AVAILABLE_VARIABLES.map((v) => `{{${v}}}`).join(", ")}.`;
    }
  }
  if (draft.fields.length === 0) errors.fields = "Choose at least one field per behaviour line.";
  const maxItems = wholeNumber(draft.maxItems, "Max items", OPTION_LIMITS.maxItems);
  const maxTitleChars = wholeNumber(draft.maxTitleChars, "Max title length", OPTION_LIMITS.maxTitleChars);
  const tokenBudget = wholeNumber(draft.tokenBudget, "Token budget", OPTION_LIMITS.tokenBudget);
  if (typeof maxItems === "string") errors.maxItems = maxItems;
  if (typeof maxTitleChars === "string") errors.maxTitleChars = maxTitleChars;
  if (typeof tokenBudget === "string") errors.tokenBudget = tokenBudget;
  if (
    Object.keys(errors).length > 0 ||
    typeof maxItems === "string" ||
    typeof maxTitleChars === "string" ||
    typeof tokenBudget === "string"
  ) {
    return { ok: false, errors };
  }
  const behaviorOptions: BehaviorOptions = { fields: [...draft.fields], maxItems, maxTitleChars, tokenBudget };
  const note = draft.note.trim();
  return {
    ok: true,
    behaviorOptions,
    body: { name, system: draft.system, userTemplate: draft.userTemplate, behaviorOptions, ...(note ? { note } : {}) },
  };
}

/**
 * An API error as a headline and a list: zod issues ({ path, message }[]) become
 * "path: message" lines; any other details object is listed key by key.
 */
export function apiErrorLines(error: unknown): { message: string; lines: string[] } {
  if (!(error instanceof Error)) return { message: String(error), lines: [] };
  const details = error instanceof ApiRequestError ? error.details : undefined;
  const lines: string[] = [];
  if (Array.isArray(details)) {
    for (const d of details) {
      if (d && typeof d === "object" && "message" in d) {
        const path = "path" in d && d.path ? `${String(d.path)}: ` : "";
        lines.push(`${path}${String(d.message)}`);
      } else {
        lines.push(String(d));
      }
    }
  } else if (details && typeof details === "object") {
    for (const [key, value] of Object.entries(details)) {
      lines.push(
        `${key}: ${Array.isArray(value) ? value.join(", ") : typeof value === "object" ? JSON.stringify(value) : String(value)}`,
      );
    }
  }
  return { message: error.message, lines };
}
