/** The LLM provider layer. Server-only (the OpenAI provider holds an API key). */
export * from "./types";
export * from "./tokens";
export * from "./prompt";
export * from "./retry";
export { Semaphore, TokenBucket } from "./limits";
export { summariseCacheKey, stableStringify, CACHE_KEY_VERSION } from "./cache-key";
export { OpenAiProvider, publicEndpoint, type OpenAiProviderOptions, type ModelPricing } from "./openai-provider";
export {
  BuiltinProvider,
  BUILTIN_MODEL,
  BUILTIN_PROVIDER,
  analysePartition,
  builtinSummary,
  titleYear,
  type BuiltinOptions,
  type PartitionAnalysis,
  type ShiftAnalysis,
  type InterestChange,
  type CategoryShare,
} from "./builtin-provider";
