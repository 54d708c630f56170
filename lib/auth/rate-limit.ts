import type { PrismaClient } from "../db/generated/client";

/** 5 failed sign-ins per account name and IP address within 15 minutes, then wait. */
export const SIGN_IN_LIMIT = { maxFailures: 5, windowMs: 15 * 60 * 1000 } as const;

export interface Limit {
  maxFailures: number;
  windowMs: number;
}

/**
 * How long until another attempt is allowed (0 = now), given the times of recent failures.
 * Once `maxFailures` failures lie inside the window, the wait lasts until the oldest of the
 * last `maxFailures` leaves it.
 */
export function retryAfterMs(failures: readonly Date[], now: Date, limit: Limit = SIGN_IN_LIMIT): number {
  const since = now.getTime() - limit.windowMs;
  const recent = failures
    .map((d) => d.getTime())
    .filter((t) => t > since && t <= now.getTime())
    .sort((a, b) => b - a);
  if (recent.length < limit.maxFailures) return 0;
  const oldestCounted = recent[limit.maxFailures - 1]!;
  return Math.max(0, oldestCounted + limit.windowMs - now.getTime());
}

type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

/**
 * The failure log lives in the database (table sign_in_failures) so that the limit holds across
 * processes and restarts. Callers run these inside one transaction that first takes
 * `lockAttempts`, so that parallel guesses for the same key are counted one after another.
 */
export async function lockAttempts(tx: Tx, name: string, ip: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`sign-in\n${name}\n${ip}`}))`;
}

export async function waitBeforeNextAttemptMs(
  tx: Tx,
  name: string,
  ip: string,
  now: Date,
  limit: Limit = SIGN_IN_LIMIT,
): Promise<number> {
  const rows = await tx.signInFailure.findMany({
    where: { name, ip, attemptedAt: { gt: new Date(now.getTime() - limit.windowMs) } },
    select: { attemptedAt: true },
    orderBy: { attemptedAt: "desc" },
    take: limit.maxFailures,
  });
  return retryAfterMs(
    rows.map((r) => r.attemptedAt),
    now,
    limit,
  );
}

export async function recordFailure(
  tx: Tx,
  name: string,
  ip: string,
  now: Date,
  limit: Limit = SIGN_IN_LIMIT,
): Promise<void> {
  await tx.signInFailure.create({ data: { name, ip, attemptedAt: now } });
  // Keep the table small: rows older than the window no longer count for anything.
  await tx.signInFailure.deleteMany({ where: { attemptedAt: { lt: new Date(now.getTime() - limit.windowMs) } } });
}

export async function clearFailures(tx: Tx, name: string, ip: string): Promise<void> {
  await tx.signInFailure.deleteMany({ where: { name, ip } });
}
