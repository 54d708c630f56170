import { fetchJson, queryString } from "../api/fetch-json";
import type { PartitionConfig } from "../liber/ubsp";
import type {
  ConfigDiff,
  PartitionBehavior,
  PartitionConfigView,
  Pricing,
  PreviewResult,
  RecomputeSummary,
  UserPartitions,
} from "./contract";

// The screens' calls to the partitioning (UBSP) API. The wire types are lib/partitions/contract.ts
// (type-only imports: nothing of the server side reaches the browser bundle).

export type * from "./contract";

export type ConfigId = number;
/** A config version id, or "active" for whichever version carries the active label. */
export type ConfigRef = ConfigId | "active";

export interface PreviewRequest {
  config: PartitionConfig;
  /** External id of the user whose partitions to show, if any. */
  user?: string;
  pricing?: Pricing;
}

const userPath = (externalId: string) => `/api/users/${encodeURIComponent(externalId)}`;

function postJson<T>(url: string, body: unknown): Promise<T> {
  return fetchJson<T>(url, {
    method: "POST",
    headers: { accept: "application/json", "content-type": "application/json" },
    body: JSON.stringify(body ?? {}),
  });
}

export const partitionsApi = {
  configs: () => fetchJson<{ configs: PartitionConfigView[] }>("/api/partition-configs").then((r) => r.configs),
  createConfig: (body: { name: string; config: PartitionConfig; note?: string }) =>
    postJson<{ config: PartitionConfigView }>("/api/partition-configs", body).then((r) => r.config),
  activate: (id: ConfigId) =>
    postJson<{ config: PartitionConfigView }>(`/api/partition-configs/${id}/activate`, {}).then((r) => r.config),
  recompute: (id: ConfigId, users?: string[]) =>
    postJson<RecomputeSummary>(`/api/partition-configs/${id}/recompute`, users ? { users } : {}),
  diff: (a: ConfigId, b: ConfigId) => fetchJson<ConfigDiff>(`/api/partition-configs/diff${queryString({ a, b })}`),
  preview: (body: PreviewRequest) => postJson<PreviewResult>("/api/partition-configs/preview", body),
  /** A page of a user's partitions (window: a time range and/or fromSeq/limit; see the route). */
  userPartitions: (
    externalId: string,
    config: ConfigRef,
    window: { from?: string; to?: string; fromSeq?: number; limit?: number } = {},
  ) => fetchJson<UserPartitions>(`${userPath(externalId)}/partitions${queryString({ config, ...window })}`),
  partitionBehaviors: (externalId: string, seq: number, config: ConfigRef) =>
    fetchJson<{ behaviors: PartitionBehavior[] }>(
      `${userPath(externalId)}/partitions/${seq}/behaviors${queryString({ config })}`,
    ).then((r) => r.behaviors),
};
