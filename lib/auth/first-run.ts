import { ApiError } from "../api/errors";
import { db } from "../db/client";
import { ADMIN_CHANGE_LOCK, adminExists } from "./accounts";
import { hashPassword } from "./password";
import { hashSecret, randomSecret } from "./secrets";
import { createSession, type NewSession } from "./sessions";

/** The account LIBER_ADMIN_PASSWORD creates. */
export const FIRST_ADMIN_NAME = "admin";
export const SETUP_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

export type FirstRunOutcome =
  | { kind: "admin-exists" }
  | { kind: "admin-created"; name: string }
  | { kind: "setup-link"; token: string; expiresAt: Date };

/**
 * Run at every `liber start`: nothing is open by default, so while no admin can sign in, either
 * create one from LIBER_ADMIN_PASSWORD or issue a one-time setup link (its token is stored
 * hashed, expires in 24 h, works once; each start replaces the previous link).
 * LIBER_ADMIN_PASSWORD only acts when there is no admin yet: it never resets a password.
 */
export async function ensureFirstAdmin(opts: { adminPassword?: string; now?: Date } = {}): Promise<FirstRunOutcome> {
  const now = opts.now ?? new Date();
  if (await adminExists()) return { kind: "admin-exists" };
  if (opts.adminPassword) {
    const passwordHash = await hashPassword(opts.adminPassword);
    await db().account.upsert({
      where: { name: FIRST_ADMIN_NAME },
      create: { name: FIRST_ADMIN_NAME, role: "admin", passwordHash },
      update: { role: "admin", passwordHash },
    });
    return { kind: "admin-created", name: FIRST_ADMIN_NAME };
  }
  const token = randomSecret();
  const expiresAt = new Date(now.getTime() + SETUP_TOKEN_TTL_MS);
  await db().$transaction([
    db().setupToken.deleteMany({}),
    db().setupToken.create({ data: { tokenHash: hashSecret(token), createdAt: now, expiresAt } }),
  ]);
  return { kind: "setup-link", token, expiresAt };
}

export function setupLink(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/setup?token=${encodeURIComponent(token)}`;
}

export type SetupTokenState = "usable" | "invalid" | "admin-exists";

export async function setupTokenState(token: string, now = new Date()): Promise<SetupTokenState> {
  if (await adminExists()) return "admin-exists";
  const row = await db().setupToken.findUnique({
    where: { tokenHash: hashSecret(token) },
    select: { usedAt: true, expiresAt: true },
  });
  return row && !row.usedAt && row.expiresAt > now ? "usable" : "invalid";
}

export const invalidSetupLink = () =>
  new ApiError(
    403,
    "invalid_setup_link",
    "This setup link is invalid, expired or already used. Restart the server (`npm start`) to print a new one.",
  );
export const alreadySetUp = () =>
  new ApiError(409, "already_set_up", "An admin account already exists: sign in instead.");

/** Uses a setup link: creates the first admin and signs them in. */
export async function completeSetup(input: {
  token: string;
  name: string;
  password: string;
  now?: Date;
}): Promise<{ account: { id: number; name: string }; session: NewSession }> {
  const now = input.now ?? new Date();
  const passwordHash = await hashPassword(input.password);
  const name = input.name.trim().toLowerCase();
  const account = await db().$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ADMIN_CHANGE_LOCK})`;
    if ((await tx.account.count({ where: { role: "admin", passwordHash: { not: null } } })) > 0) throw alreadySetUp();
    const { count } = await tx.setupToken.updateMany({
      where: { tokenHash: hashSecret(input.token), usedAt: null, expiresAt: { gt: now } },
      data: { usedAt: now },
    });
    if (count !== 1) throw invalidSetupLink();
    return tx.account.upsert({
      where: { name },
      create: { name, role: "admin", passwordHash, lastSignInAt: now },
      update: { role: "admin", passwordHash, lastSignInAt: now },
      select: { id: true, name: true },
    });
  });
  return { account, session: await createSession(account.id, now) };
}
