import type { LlmSettings, LlmSettingsUpdate, ModelPrice, ProviderName } from "@/lib/summaries/api-client";

// The LLM settings forms without React: they edit strings (a half-typed number stays as
// typed) and become the API's body only when valid. The API validates again; its message wins.

export const BUILTIN_MODEL = "liber-extractive-v1";

export interface LlmSettingsForm {
  provider: ProviderName;
  baseUrl: string;
  model: string;
  temperature: string;
  maxTokens: string;
  timeoutMs: string;
  maxConcurrency: string;
  tokensPerMinute: string;
}

export type LlmSettingsErrors = Partial<Record<keyof LlmSettingsForm, string>>;

export function formFromSettings(s: LlmSettings): LlmSettingsForm {
  return {
    provider: s.provider,
    baseUrl: s.baseUrl ?? "",
    model: s.model,
    temperature: String(s.temperature),
    maxTokens: String(s.maxTokens),
    timeoutMs: String(s.timeoutMs),
    maxConcurrency: String(s.maxConcurrency),
    tokensPerMinute: s.tokensPerMinute === null ? "" : String(s.tokensPerMinute),
  };
}

/** Switching to builtin pins its model; switching away leaves a model to type in. */
export function withProvider(form: LlmSettingsForm, provider: ProviderName): LlmSettingsForm {
  if (provider === form.provider) return form;
  if (provider === "builtin") return { ...form, provider, model: BUILTIN_MODEL };
  return { ...form, provider, model: form.model === BUILTIN_MODEL ? "" : form.model };
}

function number(text: string, { integer, min, max }: { integer: boolean; min: number; max: number }): number | null {
  const trimmed = text.trim();
  if (trimmed === "" || !/^-?\d+(\.\d+)?$/.test(trimmed)) return null;
  const n = Number(trimmed);
  if ((integer && !Number.isInteger(n)) || n < min || n > max) return null;
  return n;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

export function formToUpdate(
  form: LlmSettingsForm,
): { ok: true; body: LlmSettingsUpdate } | { ok: false; errors: LlmSettingsErrors } {
  const errors: LlmSettingsErrors = {};
  const openai = form.provider === "openai";
  const baseUrl = form.baseUrl.trim();
  if (openai && baseUrl === "")
    errors.baseUrl = "An OpenAI-compatible provider needs a base URL, e.g. https://api.openai.com/v1.";
  else if (baseUrl !== "" && !isHttpUrl(baseUrl)) errors.baseUrl = "Not an http(s) URL.";
  if (form.model.trim() === "") errors.model = "Name the model, e.g. gpt-4o-mini.";
  const temperature = number(form.temperature, { integer: false, min: 0, max: 2 });
  if (temperature === null) errors.temperature = "A number from 0 to 2.";
  const maxTokens = number(form.maxTokens, { integer: true, min: 16, max: 32_000 });
  if (maxTokens === null) errors.maxTokens = "A whole number from 16 to 32,000.";
  const timeoutMs = number(form.timeoutMs, { integer: true, min: 1000, max: 600_000 });
  if (timeoutMs === null) errors.timeoutMs = "Whole milliseconds from 1,000 to 600,000.";
  const maxConcurrency = number(form.maxConcurrency, { integer: true, min: 1, max: 64 });
  if (maxConcurrency === null) errors.maxConcurrency = "A whole number from 1 to 64.";
  const tokensPerMinute =
    form.tokensPerMinute.trim() === "" ? null : number(form.tokensPerMinute, { integer: true, min: 1, max: 1e9 });
  if (tokensPerMinute === null && form.tokensPerMinute.trim() !== "")
    errors.tokensPerMinute = "A whole number, or empty for no limit.";
  if (
    Object.keys(errors).length > 0 ||
    temperature === null ||
    maxTokens === null ||
    timeoutMs === null ||
    maxConcurrency === null
  ) {
    return { ok: false, errors };
  }
  return {
    ok: true,
    body: {
      provider: form.provider,
      baseUrl: baseUrl === "" ? null : baseUrl,
      model: form.model.trim(),
      temperature,
      maxTokens,
      timeoutMs,
      maxConcurrency,
      tokensPerMinute,
    },
  };
}

export interface PriceRow {
  /** Client-side key for React lists; never sent. */
  key: number;
  provider: string;
  model: string;
  inputPerMTok: string;
  outputPerMTok: string;
}

export function rowsFromPrices(prices: readonly ModelPrice[], firstKey = 0): PriceRow[] {
  return prices.map((p, i) => ({
    key: firstKey + i,
    provider: p.provider,
    model: p.model,
    inputPerMTok: String(p.inputPerMTok),
    outputPerMTok: String(p.outputPerMTok),
  }));
}

/** The price table as the API's body, or an error per row (by key): empty names, bad prices, duplicates. */
export function rowsToPrices(
  rows: readonly PriceRow[],
): { ok: true; prices: ModelPrice[] } | { ok: false; errors: Map<number, string> } {
  const errors = new Map<number, string>();
  const seen = new Set<string>();
  const prices: ModelPrice[] = [];
  for (const row of rows) {
    const provider = row.provider.trim();
    const model = row.model.trim();
    const input = number(row.inputPerMTok, { integer: false, min: 0, max: 1e6 });
    const output = number(row.outputPerMTok, { integer: false, min: 0, max: 1e6 });
    const id = `${provider}\u0000${model}`;
    if (!provider || !model) errors.set(row.key, "Provider and model are both needed.");
    else if (input === null || output === null)
      errors.set(row.key, "Prices are dollars per million tokens, 0 or more.");
    else if (seen.has(id)) errors.set(row.key, `${provider} · ${model} is listed twice.`);
    else prices.push({ provider, model, inputPerMTok: input, outputPerMTok: output });
    seen.add(id);
  }
  return errors.size > 0 ? { ok: false, errors } : { ok: true, prices };
}

/** "$0.15 / $0.60 per M tokens" → what 1,000 prompt + 200 completion tokens cost, as a sanity check. */
export function exampleCallCost(
  price: Pick<ModelPrice, "inputPerMTok" | "outputPerMTok">,
  promptTokens = 1000,
  completionTokens = 200,
): number {
  return (promptTokens * price.inputPerMTok + completionTokens * price.outputPerMTok) / 1_000_000;
}
