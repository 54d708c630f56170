import { fetchJson, queryString } from "../api/fetch-json";
import type { UserListQuery } from "./schemas";
import type { BehaviorPage, UserActivity, UserListPage, UserProfile } from "./contract";

// The screens' calls to the users API. External ids are path segments: always encoded.

const userPath = (externalId: string) => `/api/users/${encodeURIComponent(externalId)}`;

export const usersApi = {
  list: (q: UserListQuery) => fetchJson<UserListPage>(`/api/users${queryString(q)}`),
  profile: (externalId: string) => fetchJson<{ user: UserProfile }>(userPath(externalId)).then((r) => r.user),
  behaviors: (externalId: string, p: { page: number; pageSize: number }) =>
    fetchJson<BehaviorPage>(`${userPath(externalId)}/behaviors${queryString(p)}`),
  activity: (externalId: string, bucket: string) =>
    fetchJson<UserActivity>(`${userPath(externalId)}/activity${queryString({ bucket })}`),
};

/** The dashboard page of a user. */
export const userPageHref = (externalId: string) => `/users/${encodeURIComponent(externalId)}`;
