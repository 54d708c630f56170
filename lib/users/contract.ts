// Wire types of the users API: what the route handlers return as JSON and what the screens
// read. Plain types only, so client components can import them without pulling in the database.

/** Dates travel as ISO 8601 strings (UTC). */
export type IsoDate = string;

export interface UserListRow {
  id: number;
  externalId: string;
  eventCount: number;
  firstEventAt: IsoDate | null;
  lastEventAt: IsoDate | null;
  /** Events per calendar month (UTC) from the first to the last active month, zeros included. */
  sparkline: number[];
  /** First day of the first sparkline month, or null when the user has no events. */
  sparklineStart: IsoDate | null;
}

export interface UserListPage {
  users: UserListRow[];
  total: number;
  page: number;
  pageSize: number;
}

export interface KindCount {
  kind: string;
  count: number;
}

export interface UserProfile {
  id: number;
  externalId: string;
  /** Source attributes (age, gender, country...) exactly as imported. */
  attributes: Record<string, unknown>;
  eventCount: number;
  firstEventAt: IsoDate | null;
  lastEventAt: IsoDate | null;
  createdAt: IsoDate;
  /** How many distinct items the user touched. */
  distinctItems: number;
  /** Behaviour kinds (rating, play, click...) by frequency, most frequent first. */
  kinds: KindCount[];
}

export interface BehaviorRow {
  /** int8 in the database; serialised as a number (ids stay far below 2^53). */
  id: number;
  ts: IsoDate;
  kind: string;
  value: number | null;
  source: string;
  item: {
    id: number;
    externalId: string;
    title: string;
    categories: string[];
  };
}

export interface BehaviorPage {
  behaviors: BehaviorRow[];
  total: number;
  page: number;
  pageSize: number;
}

export type ActivityBucket = "day" | "week" | "month";

export interface ActivityPoint {
  /** Start of the bucket (UTC midnight; weeks start on Monday). */
  start: IsoDate;
  total: number;
  /** Events per kind in this bucket; kinds absent from the bucket are omitted. */
  byKind: Record<string, number>;
  /** Mean value of the bucket's `rating` events, or null when it has none. */
  meanRating: number | null;
}

export interface UserActivity {
  bucket: ActivityBucket;
  /** Kinds present in the series, most frequent first (the chart's stacking order). */
  kinds: string[];
  points: ActivityPoint[];
}

/** The JSON body every API error has (see lib/auth/route.ts). */
export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}
