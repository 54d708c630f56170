import { db } from "../db/client";
import { verifyPassword } from "./password";
import {
  clearFailures,
  lockAttempts,
  recordFailure,
  SIGN_IN_LIMIT,
  waitBeforeNextAttemptMs,
  type Limit,
} from "./rate-limit";
import type { Role } from "./roles";
import { createSession, deleteExpiredSessions, type NewSession } from "./sessions";

export type SignInResult =
  | { ok: true; account: { id: number; name: string; role: Role }; session: NewSession }
  | { ok: false; reason: "wrong_credentials" }
  | { ok: false; reason: "rate_limited"; retryAfterSeconds: number };

/**
 * Checks a name and password and opens a session. Failures are counted per (name, ip); once
 * the limit is reached nothing is checked until the window has passed, so a correct password
 * does not help a guesser either.
 */
export async function signIn(input: {
  name: string;
  password: string;
  ip: string;
  now?: Date;
  limit?: Limit;
}): Promise<SignInResult> {
  const now = input.now ?? new Date();
  const limit = input.limit ?? SIGN_IN_LIMIT;
  const name = input.name.trim().toLowerCase();
  const outcome = await db().$transaction(
    async (tx) => {
      await lockAttempts(tx, name, input.ip);
      const waitMs = await waitBeforeNextAttemptMs(tx, name, input.ip, now, limit);
      if (waitMs > 0)
        return { ok: false as const, reason: "rate_limited" as const, retryAfterSeconds: Math.ceil(waitMs / 1000) };
      const account = await tx.account.findUnique({
        where: { name },
        select: { id: true, name: true, role: true, passwordHash: true },
      });
      if (!(await verifyPassword(account?.passwordHash, input.password)) || !account) {
        await recordFailure(tx, name, input.ip, now, limit);
        return { ok: false as const, reason: "wrong_credentials" as const };
      }
      await clearFailures(tx, name, input.ip);
      await tx.account.update({ where: { id: account.id }, data: { lastSignInAt: now } });
      return { ok: true as const, account: { id: account.id, name: account.name, role: account.role } };
    },
    { timeout: 15_000 },
  );
  if (!outcome.ok) return outcome;
  await deleteExpiredSessions(now);
  return { ...outcome, session: await createSession(outcome.account.id, now) };
}
