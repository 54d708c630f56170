import { userListQuery, type UserListQuery } from "./schemas";

const DEFAULTS = userListQuery.parse({});

/**
 * The list's URL: only values that differ from the defaults, so links stay short; sort and
 * direction go together so that a link reads the same whatever the defaults are.
 */
export function usersHref(pathname: string, params: UserListQuery): string {
  const search = new URLSearchParams();
  if (params.q) search.set("q", params.q);
  if (params.sort !== DEFAULTS.sort || params.dir !== DEFAULTS.dir) {
    search.set("sort", params.sort);
    search.set("dir", params.dir);
  }
  if (params.page !== DEFAULTS.page) search.set("page", String(params.page));
  if (params.pageSize !== DEFAULTS.pageSize) search.set("pageSize", String(params.pageSize));
  const s = search.toString();
  return s ? `${pathname}?${s}` : pathname;
}
