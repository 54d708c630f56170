import { fetchJson, queryString } from "../api/fetch-json";
import type { CreateRunRequest, ItemStatus, JobRunItemView, JobRunView, RunEstimate } from "./types";

// The screens' calls to the jobs API (type-only imports of the wire types).

export type * from "./types";

function send<T>(url: string, body: unknown, method = "POST"): Promise<T> {
  return fetchJson<T>(url, {
    method,
    headers: { accept: "application/json", "content-type": "application/json" },
    body: JSON.stringify(body ?? {}),
  });
}

export const jobsApi = {
  list: (limit = 50) => fetchJson<{ runs: JobRunView[] }>(`/api/jobs${queryString({ limit })}`).then((r) => r.runs),
  get: (id: number) => fetchJson<{ run: JobRunView }>(`/api/jobs/${id}`).then((r) => r.run),
  items: (id: number, status?: ItemStatus) =>
    fetchJson<{ items: JobRunItemView[] }>(`/api/jobs/${id}/items${queryString({ status })}`).then((r) => r.items),
  estimate: (body: CreateRunRequest) =>
    send<{ estimate: RunEstimate }>("/api/jobs/estimate", body).then((r) => r.estimate),
  create: (body: CreateRunRequest) => send<{ run: JobRunView }>("/api/jobs", body).then((r) => r.run),
  cancel: (id: number) => send<{ run: JobRunView }>(`/api/jobs/${id}/cancel`, {}).then((r) => r.run),
  resume: (id: number, costCapUsd?: number | null) =>
    send<{ run: JobRunView }>(`/api/jobs/${id}/resume`, costCapUsd === undefined ? {} : { costCapUsd }).then(
      (r) => r.run,
    ),
  retry: (id: number, users?: string[]) =>
    send<{ run: JobRunView }>(`/api/jobs/${id}/retry`, users ? { users } : {}).then((r) => r.run),
};
