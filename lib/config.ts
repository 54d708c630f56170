import path from "node:path";
import { isIP } from "node:net";
import { z } from "zod";

/**
 * Environment configuration, validated once. Every variable is documented in README.md.
 * Server-only: nothing here may be imported by a client component (it holds secrets).
 */
const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .url()
    .refine((u) => /^postgres(ql)?:\/\//.test(u), "must be a postgres:// or postgresql:// URL")
    .optional(),
  LIBER_DATA_DIR: z.string().min(1).default(".liber"),
  LIBER_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  LIBER_HOST: z.string().min(1).default("127.0.0.1"),
  /**
   * The reverse proxies whose X-Forwarded-For / X-Forwarded-Host are believed: comma-separated
   * IP addresses and/or `loopback`. Unset: forwarded headers are ignored.
   */
  LIBER_TRUST_PROXY: z
    .string()
    .refine(isValidTrustProxy, "must be comma-separated IP addresses and/or 'loopback'")
    .optional(),
  LIBER_DEMO_DATA: z.enum(["movielens", "none"]).default("movielens"),
  /** First run only: creates the admin account "admin" with this password when no admin exists. */
  LIBER_ADMIN_PASSWORD: z.string().min(8, "must have at least 8 characters").max(256).optional(),
  // UIL (issue 5): defaults of the LLM settings, which an admin can override in the app
  // (lib/summaries/settings.ts). The key is only ever read from here, never stored or sent.
  /** builtin (offline, the default when no endpoint is configured) or openai (any OpenAI-compatible server). */
  LIBER_LLM_PROVIDER: z.enum(["builtin", "openai"]).optional(),
  /** The endpoint LIBER_LLM_API_KEY belongs to: the key is only ever sent to this URL's origin. */
  LIBER_LLM_BASE_URL: z
    .string()
    .url()
    .refine(isPlainHttpUrl, "must be an http(s) URL without a query string or fragment")
    .optional(),
  /** More endpoints (comma-separated base URLs) that may receive the key, e.g. a second gateway. */
  LIBER_LLM_KEY_ALLOWED_URLS: z
    .string()
    .refine(
      (list) =>
        list
          .split(",")
          .map((u) => u.trim())
          .filter(Boolean)
          .every(isPlainHttpUrl),
      "must be comma-separated http(s) URLs without query strings or fragments",
    )
    .optional(),
  LIBER_LLM_API_KEY: z.string().min(1).optional(),
  /** Accepted when LIBER_LLM_API_KEY is not set. */
  OPENAI_API_KEY: z.string().min(1).optional(),
  LIBER_LLM_MODEL: z.string().min(1).max(200).optional(),
  LIBER_LLM_TEMPERATURE: z.coerce.number().min(0).max(2).optional(),
  LIBER_LLM_MAX_TOKENS: z.coerce.number().int().min(16).max(32_000).optional(),
  LIBER_LLM_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).optional(),
  LIBER_LLM_MAX_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
  LIBER_LLM_TOKENS_PER_MINUTE: z.coerce.number().int().min(1).optional(),
  /** Requests per call before a rate limit or server error fails the call (the job then retries the user later). */
  LIBER_LLM_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).optional(),
  // Jobs (issue 12, lib/jobs): the batch queue's workers.
  /** Users one worker run processes at once; default: twice the provider's LLM concurrency (which still caps calls in flight). */
  LIBER_JOBS_CONCURRENCY: z.coerce.number().int().min(1).max(256).optional(),
  /** Runs one worker process works on at once. */
  LIBER_JOBS_SLOTS: z.coerce.number().int().min(1).max(32).default(2),
  /** Queue messages sent per run: how many worker processes can join one run. */
  LIBER_JOBS_FANOUT: z.coerce.number().int().min(1).max(256).default(8),
  /** A claimed user whose worker has not written a heartbeat for this long is given to another worker. */
  LIBER_JOBS_STALE_SECONDS: z.coerce.number().int().min(5).max(86_400).default(30),
  /** Attempts per user for retryable failures (rate limits, server errors, timeouts). */
  LIBER_JOBS_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  /** First wait before such a user is tried again; doubles per attempt, at most 5 minutes. */
  LIBER_JOBS_RETRY_SECONDS: z.coerce.number().min(0.1).max(3600).default(5),
  /** `liber start` runs a worker in its own process unless this is "off". */
  LIBER_JOBS_WORKER: z.enum(["on", "off"]).default("on"),
  // UIF (issue 11): the openai text encoder (embeddings). Same key as the LLM (above).
  /** Embeddings endpoint; default LIBER_LLM_BASE_URL. Unset both: the openai encoder is not configured. */
  LIBER_EMBED_BASE_URL: z.string().url().optional(),
  LIBER_EMBED_MODEL: z.string().min(1).max(200).default("text-embedding-3-small"),
  LIBER_EMBED_DIMENSIONS: z.coerce.number().int().min(2).max(4096).default(256),
  /** Texts per embeddings request. */
  LIBER_EMBED_BATCH: z.coerce.number().int().min(1).max(2048).default(64),
});

/**
 * An http(s) URL with no query string or fragment: a base URL that cannot smuggle in another
 * path through `?x=` (the SDK appends /chat/completions to whatever it is given).
 */
export function isPlainHttpUrl(value: string): boolean {
  if (/[?#]/.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && !url.username && !url.password;
  } catch {
    return false;
  }
}

function isValidTrustProxy(value: string): boolean {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .every((e) => e.toLowerCase() === "loopback" || isIP(e) !== 0);
}

export type LiberConfig = z.infer<typeof envSchema> & { dataDir: string };

let cached: LiberConfig | undefined;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): LiberConfig {
  const parsed = envSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== "")),
  );
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return { ...parsed.data, dataDir: path.resolve(parsed.data.LIBER_DATA_DIR) };
}

export function config(): LiberConfig {
  cached ??= loadConfig();
  return cached;
}

/**
 * The database in use, read live (not from the cached config): `liber start`, the benchmarks
 * and the tests select a database after start-up by setting it (setDatabaseUrl). Only this
 * file reads DATABASE_URL.
 */
export function databaseUrl(): string | undefined {
  return process.env.DATABASE_URL || undefined;
}

/** Points lib/db/client (and everything keyed by the database) at another database; undefined unsets it. */
export function setDatabaseUrl(url: string | undefined): void {
  if (url === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = url;
}
