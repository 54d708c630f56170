import { createHash } from "node:crypto";
import {
  INTEREST_SUMMARY_SCHEMA_NAME,
  interestSummaryJsonSchema,
  type LlmProvider,
  type SummariseRequest,
} from "./types";

/** Bump when the meaning of a cached answer changes without the inputs below changing. */
export const CACHE_KEY_VERSION = 1;

/** JSON with object keys sorted at every level, so equal values always serialise the same. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/**
 * SHA-256 key for caching a summary: provider, endpoint, resolved params, the rendered
 * prompts and the output schema; plus the structured context for providers that read it
 * (the built-in one). Failures must not be cached; only successful results.
 */
export function summariseCacheKey(provider: LlmProvider, request: SummariseRequest): string {
  const material = {
    version: CACHE_KEY_VERSION,
    provider: provider.provider,
    endpoint: provider.endpoint,
    params: provider.resolveParams(request.params),
    system: request.system,
    user: request.user,
    schema: { name: INTEREST_SUMMARY_SCHEMA_NAME, definition: interestSummaryJsonSchema },
    context: provider.readsContext ? request.context : null,
  };
  return createHash("sha256").update(stableStringify(material)).digest("hex");
}
