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
    activity: (externalId: string, bucket: string) => [...queryKeys.users.detail(externalId), "activity", bucket] as const,
  },
  imports: {
    all: ["imports"] as const,
    list: (params: ImportListParams) => [...queryKeys.imports.all, "list", params] as const,
  },
};
