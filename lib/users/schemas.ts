import { z } from "zod";

// Query schemas of the users API. The screens parse their URL with the lenient variants
// (a hand-edited URL falls back to defaults instead of failing), the API with the strict ones
// (a wrong value is a 422 that says which field is wrong).

export const USER_SORTS = ["events", "first", "last", "externalId"] as const;
export type UserSort = (typeof USER_SORTS)[number];
export const SORT_DIRS = ["asc", "desc"] as const;
export type SortDir = (typeof SORT_DIRS)[number];
export const ACTIVITY_BUCKETS = ["auto", "day", "week", "month"] as const;

export const MAX_PAGE_SIZE = 200;
export const DEFAULT_USER_PAGE_SIZE = 25;
export const DEFAULT_BEHAVIOR_PAGE_SIZE = 50;

const page = z.coerce.number().int().min(1).max(1_000_000);
const pageSize = z.coerce.number().int().min(1).max(MAX_PAGE_SIZE);

export const userListQuery = z.object({
  q: z.string().trim().max(200).default(""),
  sort: z.enum(USER_SORTS).default("events"),
  dir: z.enum(SORT_DIRS).default("desc"),
  page: page.default(1),
  pageSize: pageSize.default(DEFAULT_USER_PAGE_SIZE),
});
export type UserListQuery = z.infer<typeof userListQuery>;

export const behaviorPageQuery = z.object({
  page: page.default(1),
  pageSize: pageSize.default(DEFAULT_BEHAVIOR_PAGE_SIZE),
});
export type BehaviorPageQuery = z.infer<typeof behaviorPageQuery>;

export const activityQuery = z.object({
  bucket: z.enum(ACTIVITY_BUCKETS).default("auto"),
});
export type ActivityQuery = z.infer<typeof activityQuery>;

/** Path parameter of /api/users/[id]: the user's external id (URL-decoded by Next). */
export const userPathParams = z.object({ id: z.string().min(1).max(500) });

/** The direction a column sorts in when first clicked: biggest/newest first, ids A-Z. */
export function defaultDirFor(sort: UserSort): SortDir {
  return sort === "externalId" ? "asc" : "desc";
}

function lenient<T extends z.ZodObject>(schema: T) {
  const defaults = schema.parse({}) as z.infer<T>;
  return (params: URLSearchParams | Record<string, string | undefined>): z.infer<T> => {
    const raw = params instanceof URLSearchParams ? Object.fromEntries(params) : params;
    const out: Record<string, unknown> = { ...defaults };
    for (const [key, field] of Object.entries(schema.shape)) {
      const parsed = (field as z.ZodType).safeParse(raw[key]);
      if (parsed.success) out[key] = parsed.data;
    }
    return out as z.infer<T>;
  };
}

/** Reads a users-list URL; invalid or missing values become the defaults. */
export const parseUserListSearch = lenient(userListQuery);
/** Reads the behaviour-log page from a user page URL. */
export const parseBehaviorPageSearch = lenient(behaviorPageQuery);
