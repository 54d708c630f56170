import { pool } from "../db/client";
import { bucketKey, bucketRange } from "./buckets";
import type { SortDir, UserListQuery, UserSort } from "./schemas";
import type { UserListPage, UserListRow } from "./contract";

// Numeric external ids (MovieLens, Last.fm) sort as numbers, others as text after them, so
// "2" comes before "10". Fixed strings chosen from an enum: safe to splice into SQL.
const NUMERIC_ID = `external_id ~ '^[0-9]{1,18}$'`;
const SORT_COLUMNS: Record<UserSort, string[]> = {
  events: ["event_count"],
  first: ["first_event_at"],
  last: ["last_event_at"],
  externalId: [`(NOT ${NUMERIC_ID})`, `(CASE WHEN ${NUMERIC_ID} THEN external_id::bigint END)`, "external_id"],
};

function orderBy(sort: UserSort, dir: SortDir): string {
  const d = dir === "asc" ? "ASC" : "DESC";
  // Users without events have null dates: last in either direction. id keeps pages stable.
  return [...SORT_COLUMNS[sort].map((c) => `${c} ${d} NULLS LAST`), `id ${d}`].join(", ");
}

/** A LIKE pattern matching `q` anywhere, with LIKE's wildcards in `q` taken literally. */
export function substringPattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

interface UserRecord {
  id: number;
  external_id: string;
  event_count: number;
  first_event_at: Date | null;
  last_event_at: Date | null;
}

/**
 * One page of users, searched by external id substring and sorted, each with its monthly
 * activity sparkline. Reads the denormalised counters for the list, so the cost is one index
 * or sequential pass over users plus the behaviours of the page's users only.
 */
export async function listUsers(query: UserListQuery): Promise<UserListPage> {
  const { q, sort, dir, page, pageSize } = query;
  const where = q ? `WHERE external_id ILIKE $1 ESCAPE '\\'` : "";
  const filterArgs = q ? [substringPattern(q)] : [];
  const n = filterArgs.length;
  const [rows, count] = await Promise.all([
    pool().query<UserRecord>(
      `SELECT id, external_id, event_count, first_event_at, last_event_at
         FROM users ${where}
        ORDER BY ${orderBy(sort, dir)}
        LIMIT $${n + 1} OFFSET $${n + 2}`,
      [...filterArgs, pageSize, (page - 1) * pageSize],
    ),
    pool().query<{ total: number }>(`SELECT count(*)::int AS total FROM users ${where}`, filterArgs),
  ]);
  const sparklines = await monthlySparklines(rows.rows.map((r) => r.id));
  const users: UserListRow[] = rows.rows.map((r) => {
    const spark = sparklines.get(r.id);
    return {
      id: r.id,
      externalId: r.external_id,
      eventCount: r.event_count,
      firstEventAt: r.first_event_at?.toISOString() ?? null,
      lastEventAt: r.last_event_at?.toISOString() ?? null,
      sparkline: spark?.counts ?? [],
      sparklineStart: spark?.start ?? null,
    };
  });
  return { users, total: count.rows[0]!.total, page, pageSize };
}

interface Sparkline {
  start: string;
  counts: number[];
}

/**
 * Events per UTC month for each user, from the first to the last active month with zeros
 * in between: a single GROUP BY over the given users' behaviours.
 */
export async function monthlySparklines(userIds: number[]): Promise<Map<number, Sparkline>> {
  const out = new Map<number, Sparkline>();
  if (userIds.length === 0) return out;
  const { rows } = await pool().query<{ user_id: number; month: string; n: number }>(
    // Format after grouping: to_char per behaviour would double the cost of the scan.
    `SELECT user_id, to_char(month, 'YYYY-MM-DD') AS month, n
       FROM (SELECT user_id, date_trunc('month', ts AT TIME ZONE 'UTC') AS month, count(*)::int AS n
               FROM behaviors
              WHERE user_id = ANY($1::int[])
              GROUP BY 1, 2) monthly
      ORDER BY 1, 2`,
    [userIds],
  );
  const byUser = new Map<number, Map<string, number>>();
  for (const r of rows) {
    let months = byUser.get(r.user_id);
    if (!months) byUser.set(r.user_id, (months = new Map()));
    months.set(r.month, r.n);
  }
  for (const [userId, months] of byUser) {
    const keys = [...months.keys()]; // ordered by the query
    const first = new Date(`${keys[0]!}T00:00:00Z`);
    const last = new Date(`${keys[keys.length - 1]!}T00:00:00Z`);
    const counts = bucketRange(first, last, "month").map((m) => months.get(bucketKey(m)) ?? 0);
    out.set(userId, { start: `${keys[0]!}T00:00:00.000Z`, counts });
  }
  return out;
}
