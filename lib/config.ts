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
  LIBER_LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** First run only: creates the admin account "admin" with this password when no admin exists. */
  LIBER_ADMIN_PASSWORD: z.string().min(8, "must have at least 8 characters").max(256).optional(),
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
