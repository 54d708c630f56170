import { fetchJson, queryString } from "../api/fetch-json";
import type {
  UserSummaries,
  CascadeRunResult,
  LlmCallTrace,
  LlmRun,
  PromptVersion,
  NewPromptVersion,
  PromptDiff,
  PlaygroundRequest,
  PlaygroundResult,
  LlmSettings,
  LlmSettingsUpdate,
  ModelPrice,
  ConfigSelector,
  PromptSelector,
} from "./contract";

export type * from "./contract";

// The screens' calls to the UIL API (summaries, traces, prompts, playground, LLM settings).
// Fetches only, so client components can import this without pulling in the database or a
// provider; the wire types live in ./contract.ts (re-exported here for the screens).

const userPath = (externalId: string) => `/api/users/${encodeURIComponent(externalId)}`;

function sendJson<T>(method: "POST" | "PUT", url: string, body: unknown): Promise<T> {
  return fetchJson<T>(url, {
    method,
    headers: { accept: "application/json", "content-type": "application/json" },
    body: JSON.stringify(body ?? {}),
  });
}

export const uilApi = {
  summaries: (externalId: string, config: ConfigSelector = "active", prompt: PromptSelector = "production") =>
    // The cascade shows up to 1,000 partitions (the API's largest page).
    fetchJson<UserSummaries>(`${userPath(externalId)}/summaries${queryString({ config, prompt, limit: 1000 })}`),
  runCascade: (externalId: string, body: { config?: number; prompt?: number } = {}) =>
    sendJson<CascadeRunResult>("POST", `${userPath(externalId)}/summaries/run`, body),
  llmCall: (id: number) => fetchJson<{ call: LlmCallTrace }>(`/api/llm-calls/${id}`).then((r) => r.call),
  runs: (limit = 20) => fetchJson<{ runs: LlmRun[] }>(`/api/llm-runs${queryString({ limit })}`).then((r) => r.runs),
  prompts: () => fetchJson<{ prompts: PromptVersion[] }>("/api/prompts").then((r) => r.prompts),
  createPrompt: (body: NewPromptVersion) =>
    sendJson<{ prompt: PromptVersion }>("POST", "/api/prompts", body).then((r) => r.prompt),
  setLabel: (id: number, label: string) =>
    sendJson<{ prompt: PromptVersion }>("POST", `/api/prompts/${id}/labels`, { label }).then((r) => r.prompt),
  diff: (a: number, b: number) => fetchJson<PromptDiff>(`/api/prompts/diff${queryString({ a, b })}`),
  playground: (body: PlaygroundRequest) => sendJson<PlaygroundResult>("POST", "/api/prompts/playground", body),
  llmSettings: () => fetchJson<LlmSettings>("/api/settings/llm"),
  saveLlmSettings: (body: LlmSettingsUpdate) => sendJson<LlmSettings>("PUT", "/api/settings/llm", body),
  prices: () => fetchJson<{ prices: ModelPrice[] }>("/api/settings/prices").then((r) => r.prices),
  savePrices: (prices: ModelPrice[]) =>
    sendJson<{ prices: ModelPrice[] }>("PUT", "/api/settings/prices", { prices }).then((r) => r.prices),
};
