import { db } from "../db/client";
import type { Caller } from "./types";
import { SESSION_TTL_MS } from "./cookie";
import { hashSecret, randomSecret } from "./secrets";

// Move the expiry forward at most this often, so that reads do not write on every request.
const SLIDE_EVERY_MS = 60 * 60 * 1000;

export interface NewSession {
  /** The cookie value; only its hash is stored. */
  token: string;
  id: number;
  expiresAt: Date;
}

export async function createSession(accountId: number, now = new Date()): Promise<NewSession> {
  const token = randomSecret();
  const row = await db().session.create({
    data: {
      tokenHash: hashSecret(token),
      accountId,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + SESSION_TTL_MS),
    },
    select: { id: true, expiresAt: true },
  });
  return { token, ...row };
}

/** The caller behind a session cookie, or null when it is unknown or expired. Slides the expiry. */
export async function sessionCaller(token: string, now = new Date()): Promise<Caller | null> {
  const session = await db().session.findUnique({
    where: { tokenHash: hashSecret(token) },
    select: { id: true, expiresAt: true, lastSeenAt: true, account: { select: { id: true, name: true, role: true } } },
  });
  if (!session || session.expiresAt <= now) return null;
  if (now.getTime() - session.lastSeenAt.getTime() >= SLIDE_EVERY_MS) {
    await db().session.updateMany({
      where: { id: session.id },
      data: { lastSeenAt: now, expiresAt: new Date(now.getTime() + SESSION_TTL_MS) },
    });
  }
  const { account } = session;
  return { kind: "session", accountId: account.id, name: account.name, role: account.role, sessionId: session.id };
}

/** Sign-out: the cookie value stops working at once, whatever the browser keeps. */
export async function revokeSession(token: string): Promise<void> {
  await db().session.deleteMany({ where: { tokenHash: hashSecret(token) } });
}

/** After a password change: every other session of the account ends. */
export async function revokeAccountSessions(
  accountId: number,
  opts: { exceptSessionId?: number } = {},
): Promise<number> {
  const { count } = await db().session.deleteMany({
    where: { accountId, ...(opts.exceptSessionId ? { id: { not: opts.exceptSessionId } } : {}) },
  });
  return count;
}

export async function deleteExpiredSessions(now = new Date()): Promise<number> {
  const { count } = await db().session.deleteMany({ where: { expiresAt: { lte: now } } });
  return count;
}
