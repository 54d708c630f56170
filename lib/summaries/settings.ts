import { createHash } from "node:crypto";
import { z } from "zod";
import { config, isPlainHttpUrl, type LiberConfig } from "../config";
import { db } from "../db/client";
import {
  BUILTIN_MODEL,
  BUILTIN_PROVIDER,
  BuiltinProvider,
  OpenAiProvider,
  type LlmProvider,
  type OpenAiProviderOptions,
} from "../llm";
import type { LlmSettingsValues, LlmSettings as PublicLlmSettings, ModelPrice, ProviderName } from "./contract";

/**
 * LLM settings of UIL: which provider, endpoint and model summarise partitions, and the
 * price table that turns tokens into cost.
 *
 * The environment (LIBER_LLM_*) gives the defaults; once an admin saves settings in the app,
 * the llm_settings row wins. The API key is the exception: it is read from the environment
 * only (LIBER_LLM_API_KEY, else OPENAI_API_KEY), never stored, never returned by the API.
 */

export const PROVIDERS = ["builtin", "openai"] as const satisfies readonly ProviderName[];
export type { LlmSettingsValues, ProviderName };

export const DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1";
export const DEFAULT_OPENAI_MODEL = "gpt-4o-mini";
const DEFAULTS = { temperature: 0.2, maxTokens: 800, timeoutMs: 60_000, maxConcurrency: 4 };

/** Body of PUT /api/settings/llm. */
export const llmSettingsInputSchema = z
  .strictObject({
    provider: z.enum(PROVIDERS),
    baseUrl: z
      .string()
      .trim()
      .url("must be a URL such as http://localhost:11434/v1")
      .refine((u) => /^https?:\/\//i.test(u), "must start with http:// or https://")
      .refine((u) => !/[?#]/.test(u), "must not have a query string (?) or fragment (#)")
      .refine((u) => !/^https?:\/\/[^/]*@/i.test(u), "must not carry a user name or password")
      .nullable()
      .optional(),
    model: z.string().trim().min(1).max(200),
    temperature: z.number().min(0).max(2),
    maxTokens: z.int().min(16).max(32_000),
    timeoutMs: z.int().min(1000).max(600_000).optional(),
    maxConcurrency: z.int().min(1).max(64).optional(),
    tokensPerMinute: z.int().min(1).nullable().optional(),
  })
  .superRefine((s, ctx) => {
    if (s.provider === "openai" && !s.baseUrl) {
      ctx.addIssue({ code: "custom", path: ["baseUrl"], message: "the openai provider needs a base URL" });
    }
  });
export type LlmSettingsInput = z.infer<typeof llmSettingsInputSchema>;

/** The defaults the environment gives (no database involved). */
export function envLlmDefaults(cfg: LiberConfig = config()): LlmSettingsValues {
  const provider: ProviderName = cfg.LIBER_LLM_PROVIDER ?? (cfg.LIBER_LLM_BASE_URL ? "openai" : "builtin");
  const builtin = provider === "builtin";
  return {
    provider,
    baseUrl: builtin ? null : (cfg.LIBER_LLM_BASE_URL ?? DEFAULT_OPENAI_BASE_URL),
    model: builtin ? BUILTIN_MODEL : (cfg.LIBER_LLM_MODEL ?? DEFAULT_OPENAI_MODEL),
    temperature: cfg.LIBER_LLM_TEMPERATURE ?? DEFAULTS.temperature,
    maxTokens: cfg.LIBER_LLM_MAX_TOKENS ?? DEFAULTS.maxTokens,
    timeoutMs: cfg.LIBER_LLM_TIMEOUT_MS ?? DEFAULTS.timeoutMs,
    maxConcurrency: cfg.LIBER_LLM_MAX_CONCURRENCY ?? DEFAULTS.maxConcurrency,
    tokensPerMinute: cfg.LIBER_LLM_TOKENS_PER_MINUTE ?? null,
  };
}

/** The API key from the environment; the only place it is read. */
export function envApiKey(cfg: LiberConfig = config()): string | undefined {
  return cfg.LIBER_LLM_API_KEY ?? cfg.OPENAI_API_KEY;
}

/**
 * The origins the environment's key belongs to: LIBER_LLM_BASE_URL's (the default OpenAI
 * endpoint's when that is unset) and those of LIBER_LLM_KEY_ALLOWED_URLS. An admin can point
 * the app at any URL in Settings; the key follows only to these.
 */
export function keyOrigins(cfg: LiberConfig = config()): Set<string> {
  const urls = [
    cfg.LIBER_LLM_BASE_URL ?? DEFAULT_OPENAI_BASE_URL,
    ...(cfg.LIBER_LLM_KEY_ALLOWED_URLS ?? "").split(","),
  ];
  const origins = new Set<string>();
  for (const u of urls.map((x) => x.trim()).filter(Boolean)) {
    const origin = originOf(u);
    if (origin) origins.add(origin);
  }
  return origins;
}

/** The key to send to `baseUrl`: the environment's when that URL's origin is one of keyOrigins(), else none. */
export function apiKeyFor(baseUrl: string | null, cfg: LiberConfig = config()): string | undefined {
  const key = envApiKey(cfg);
  if (!key || !baseUrl || !isPlainHttpUrl(baseUrl)) return undefined;
  const origin = originOf(baseUrl);
  return origin && keyOrigins(cfg).has(origin) ? key : undefined;
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** Settings in force: the saved row, else the environment's defaults. */
export async function effectiveLlmSettings(cfg: LiberConfig = config()): Promise<LlmSettingsValues> {
  const row = await db().llmSettings.findUnique({ where: { id: 1 } });
  const env = envLlmDefaults(cfg);
  if (!row) return env;
  const provider = (PROVIDERS as readonly string[]).includes(row.provider)
    ? (row.provider as ProviderName)
    : env.provider;
  return {
    provider,
    baseUrl: provider === "builtin" ? null : row.baseUrl,
    model: provider === "builtin" ? BUILTIN_MODEL : row.model,
    temperature: row.temperature,
    maxTokens: row.maxTokens,
    timeoutMs: row.timeoutMs ?? env.timeoutMs,
    maxConcurrency: row.maxConcurrency ?? env.maxConcurrency,
    tokensPerMinute: row.tokensPerMinute,
  };
}

/** What GET /api/settings/llm answers: the settings, and whether a key is configured (never the key). */
export async function publicLlmSettings(cfg: LiberConfig = config()): Promise<PublicLlmSettings> {
  const settings = await effectiveLlmSettings(cfg);
  const key = envApiKey(cfg);
  return {
    ...settings,
    apiKeyConfigured: Boolean(key),
    apiKeySource: key ? "env" : null,
    apiKeySentToBaseUrl: settings.provider === "openai" && Boolean(apiKeyFor(settings.baseUrl, cfg)),
  };
}

export async function saveLlmSettings(input: LlmSettingsInput, updatedBy: string | null): Promise<PublicLlmSettings> {
  const s = llmSettingsInputSchema.parse(input);
  const env = envLlmDefaults();
  const builtin = s.provider === "builtin";
  const values = {
    provider: s.provider,
    baseUrl: builtin ? null : (s.baseUrl ?? null),
    model: builtin ? BUILTIN_MODEL : s.model,
    temperature: s.temperature,
    maxTokens: s.maxTokens,
    timeoutMs: s.timeoutMs ?? env.timeoutMs,
    maxConcurrency: s.maxConcurrency ?? env.maxConcurrency,
    tokensPerMinute: s.tokensPerMinute ?? null,
    updatedBy,
  };
  await db().llmSettings.upsert({ where: { id: 1 }, create: { id: 1, ...values }, update: values });
  return publicLlmSettings();
}

// ---------------------------------------------------------------------------------------
// Providers

const providerInstances = new Map<string, LlmProvider>();

/**
 * The provider for these settings. One instance per distinct settings (and key), reused
 * across calls: the concurrency limit, the tokens-per-minute bucket and the remembered
 * json_schema fallback live on the instance.
 */
export function providerFor(
  settings: LlmSettingsValues,
  apiKey: string | undefined = apiKeyFor(settings.baseUrl),
): LlmProvider {
  if (settings.provider === "builtin") {
    const key = "builtin";
    let builtin = providerInstances.get(key);
    if (!builtin) providerInstances.set(key, (builtin = new BuiltinProvider()));
    return builtin;
  }
  const keyDigest = apiKey ? createHash("sha256").update(apiKey).digest("hex").slice(0, 16) : "";
  const fingerprint = JSON.stringify([settings, keyDigest]);
  let provider = providerInstances.get(fingerprint);
  if (!provider) {
    const options: OpenAiProviderOptions = {
      baseURL: settings.baseUrl ?? DEFAULT_OPENAI_BASE_URL,
      model: settings.model,
      temperature: settings.temperature,
      maxTokens: settings.maxTokens,
      timeoutMs: settings.timeoutMs,
      maxConcurrency: settings.maxConcurrency,
      ...(apiKey ? { apiKey } : {}),
      ...(settings.tokensPerMinute ? { tokensPerMinute: settings.tokensPerMinute } : {}),
      ...(config().LIBER_LLM_MAX_ATTEMPTS ? { retry: { maxAttempts: config().LIBER_LLM_MAX_ATTEMPTS } } : {}),
    };
    provider = new OpenAiProvider(options);
    providerInstances.set(fingerprint, provider);
  }
  return provider;
}

/** The provider the saved (or environment) settings select, and those settings. */
export async function currentProvider(): Promise<{ settings: LlmSettingsValues; provider: LlmProvider }> {
  const settings = await effectiveLlmSettings();
  return { settings, provider: providerFor(settings) };
}

// ---------------------------------------------------------------------------------------
// Prices

export const modelPriceSchema = z.strictObject({
  provider: z.string().trim().min(1).max(100),
  model: z.string().trim().min(1).max(200),
  inputPerMTok: z.number().min(0).max(10_000),
  outputPerMTok: z.number().min(0).max(10_000),
});
export const pricesInputSchema = z.strictObject({
  prices: z
    .array(modelPriceSchema)
    .max(500)
    .refine(
      (list) => new Set(list.map((p) => `${p.provider}\u0000${p.model}`)).size === list.length,
      "each provider and model may appear once",
    ),
});

export async function listPrices(): Promise<ModelPrice[]> {
  const rows = await db().llmPrice.findMany({ orderBy: [{ provider: "asc" }, { model: "asc" }] });
  return rows.map(({ provider, model, inputPerMTok, outputPerMTok }) => ({
    provider,
    model,
    inputPerMTok,
    outputPerMTok,
  }));
}

/** Replaces the whole price table (what the settings screen edits). */
export async function savePrices(prices: ModelPrice[]): Promise<ModelPrice[]> {
  const { prices: list } = pricesInputSchema.parse({ prices });
  await db().$transaction([db().llmPrice.deleteMany({}), db().llmPrice.createMany({ data: list })]);
  return listPrices();
}

/** Looks up prices by provider and model; costs are null for a model without a price. */
export class PriceTable {
  constructor(private readonly prices: ReadonlyMap<string, ModelPrice>) {}

  static async load(): Promise<PriceTable> {
    const list = await listPrices();
    return new PriceTable(new Map(list.map((p) => [`${p.provider}\u0000${p.model}`, p])));
  }

  cost(provider: string, model: string, promptTokens: number, completionTokens: number): number | null {
    const price = this.prices.get(`${provider}\u0000${model}`);
    if (!price) return null;
    return (promptTokens * price.inputPerMTok + completionTokens * price.outputPerMTok) / 1_000_000;
  }
}

export { BUILTIN_PROVIDER };
