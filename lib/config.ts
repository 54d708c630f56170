import path from "node:path";
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
  LIBER_DEMO_DATA: z.enum(["movielens", "none"]).default("movielens"),
  /** First run only: creates the admin account "admin" with this password when no admin exists. */
  LIBER_ADMIN_PASSWORD: z.string().min(8, "must have at least 8 characters").max(256).optional(),
  // UIL (issue 5): defaults of the LLM settings, which an admin can override in the app
  // (lib/uil/settings.ts). The key is only ever read from here, never stored or sent.
  /** builtin (offline, the default when no endpoint is configured) or openai (any OpenAI-compatible server). */
  LIBER_LLM_PROVIDER: z.enum(["builtin", "openai"]).optional(),
  LIBER_LLM_BASE_URL: z.string().url().optional(),
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
});

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
