import type { ConfigId, ConfigRef, PreviewRequest } from "./partitions/api-client";
import type { PopulationQuery, VectorsQuery, VersionSelection } from "./uif/api-client";
import type { ConfigSelector, PromptSelector } from "./summaries/api-client";
import type { UserListQuery } from "./users/schemas";

// TanStack Query key factories, one tree per resource (Formbricks style): invalidating a
// prefix such as queryKeys.users.all refreshes everything under it.

export interface ImportListParams {
  page: number;
  pageSize: number;
}

export const queryKeys = {
  users: {
    all: ["users"] as const,
    lists: () => [...queryKeys.users.all, "list"] as const,
    list: (params: UserListQuery) => [...queryKeys.users.lists(), params] as const,
    detail: (externalId: string) => [...queryKeys.users.all, "detail", externalId] as const,
    behaviors: (externalId: string, params: { page: number; pageSize: number }) =>
      [...queryKeys.users.detail(externalId), "behaviors", params] as const,
    activity: (externalId: string, bucket: string) =>
      [...queryKeys.users.detail(externalId), "activity", bucket] as const,
  },
  imports: {
    all: ["imports"] as const,
    list: (params: ImportListParams) => [...queryKeys.imports.all, "list", params] as const,
  },
  // Saving, activating or recomputing a config invalidates the whole tree.
  partitions: {
    all: ["partitions"] as const,
    configs: () => [...queryKeys.partitions.all, "configs"] as const,
    diff: (a: ConfigId, b: ConfigId) => [...queryKeys.partitions.all, "diff", a, b] as const,
    preview: (request: PreviewRequest) => [...queryKeys.partitions.all, "preview", request] as const,
    user: (externalId: string, config: ConfigRef) => [...queryKeys.partitions.all, "user", externalId, config] as const,
    behaviors: (externalId: string, config: ConfigRef, seq: number) =>
      [...queryKeys.partitions.user(externalId, config), "behaviors", seq] as const,
  },
  // UIL: summaries, traces and runs; prompts; LLM settings. A cascade run or a new prompt
  // version invalidates queryKeys.summaries.all.
  summaries: {
    all: ["summaries"] as const,
    summaries: (externalId: string, config: ConfigSelector, prompt: PromptSelector) =>
      [...queryKeys.summaries.all, "summaries", externalId, config, prompt] as const,
    call: (id: number) => [...queryKeys.summaries.all, "call", id] as const,
    runs: (limit: number) => [...queryKeys.summaries.all, "runs", limit] as const,
    prompts: () => [...queryKeys.summaries.all, "prompts"] as const,
    promptDiff: (a: number, b: number) => [...queryKeys.summaries.all, "prompt-diff", a, b] as const,
    llmSettings: () => [...queryKeys.summaries.all, "settings", "llm"] as const,
    prices: () => [...queryKeys.summaries.all, "settings", "prices"] as const,
  },
  // Job runs: the list and one run's users poll while a run is active.
  jobs: {
    all: ["jobs"] as const,
    list: (limit: number) => [...queryKeys.jobs.all, "list", limit] as const,
    items: (id: number) => [...queryKeys.jobs.all, "items", id] as const,
  },
  // UIF: vectors, projections and neighbours. Fitting or encoding invalidates queryKeys.uif.all.
  uif: {
    all: ["uif"] as const,
    encoders: () => [...queryKeys.uif.all, "encoders"] as const,
    fusions: () => [...queryKeys.uif.all, "fusions"] as const,
    vectors: (externalId: string, q: VectorsQuery) => [...queryKeys.uif.all, "vectors", externalId, q] as const,
    neighbours: (externalId: string, q: VersionSelection & { k: number }) =>
      [...queryKeys.uif.all, "neighbours", externalId, q] as const,
    population: (q: PopulationQuery) => [...queryKeys.uif.all, "population", q] as const,
  },
};
