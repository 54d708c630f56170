import { notFound } from "../api/errors";
import { db, pool } from "../db/client";
import type { KindCount, UserProfile } from "./contract";

/** The internal id of the user with this external id, or null when there is none. */
export async function findUserId(externalId: string): Promise<number | null> {
  const user = await db().user.findUnique({ where: { externalId }, select: { id: true } });
  return user?.id ?? null;
}

/** The internal id of the user with this external id; a 404 ApiError when there is none. */
export async function requireUserId(externalId: string): Promise<number> {
  const id = await findUserId(externalId);
  if (id === null) throw notFound("User");
  return id;
}

/** A 404 ApiError naming (up to 10 of) the requested external ids that `found` lacks; nothing when all are there. */
export function requireAllUsersFound(wanted: readonly string[], found: readonly { external_id: string }[]): void {
  if (found.length >= wanted.length) return;
  const present = new Set(found.map((r) => r.external_id));
  const missing = wanted.filter((w) => !present.has(w));
  throw notFound(
    `User${missing.length > 1 ? "s" : ""} ${missing
      .slice(0, 10)
      .map((m) => `"${m}"`)
      .join(", ")}`,
  );
}

function asAttributes(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** A user's profile with a summary of their log, or null for an unknown external id. */
export async function getUserProfile(externalId: string): Promise<UserProfile | null> {
  const user = await db().user.findUnique({ where: { externalId } });
  if (!user) return null;
  const [kinds, items] = await Promise.all([
    pool().query<KindCount>(
      `SELECT kind, count(*)::int AS count FROM behaviors WHERE user_id = $1 GROUP BY kind ORDER BY count DESC, kind`,
      [user.id],
    ),
    pool().query<{ n: number }>(`SELECT count(DISTINCT item_id)::int AS n FROM behaviors WHERE user_id = $1`, [
      user.id,
    ]),
  ]);
  return {
    id: user.id,
    externalId: user.externalId,
    attributes: asAttributes(user.attributes),
    eventCount: user.eventCount,
    firstEventAt: user.firstEventAt?.toISOString() ?? null,
    lastEventAt: user.lastEventAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
    distinctItems: items.rows[0]!.n,
    kinds: kinds.rows,
  };
}
