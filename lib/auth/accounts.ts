import { z } from "zod";
import { ApiError, conflict, notFound } from "../api/errors";
import { db } from "../db/client";
import { hashPassword } from "./password";
import { ROLES, type Role } from "./roles";
import { revokeAccountSessions } from "./sessions";

/** Sign-in names: case-insensitive (stored lower-case), safe to show and to type in a shell. */
export const accountNameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^[a-z0-9][a-z0-9._@-]{0,63}$/,
    "Use 1-64 letters, digits, dots, dashes, underscores or @, starting with a letter or digit.",
  );

export const roleSchema = z.enum(ROLES);

export type AccountRef = { id: number } | { name: string };

/** What may be shown about an account: never the password hash. */
export interface AccountSummary {
  id: number;
  name: string;
  role: Role;
  hasPassword: boolean;
  createdAt: Date;
  lastSignInAt: Date | null;
}

const SAFE_COLUMNS = { id: true, name: true, role: true, createdAt: true, lastSignInAt: true } as const;

// Serialises changes that could leave no admin (two admins demoting each other at once).
export const ADMIN_CHANGE_LOCK = 72_707_370;

export const lastAdmin = () =>
  new ApiError(409, "last_admin", "This is the last admin account: make another account admin first.");

async function withPasswordFlag<T extends { id: number }>(rows: T[]): Promise<(T & { hasPassword: boolean })[]> {
  const withPassword = await db().account.findMany({
    where: { id: { in: rows.map((r) => r.id) }, passwordHash: { not: null } },
    select: { id: true },
  });
  const set = new Set(withPassword.map((r) => r.id));
  return rows.map((r) => ({ ...r, hasPassword: set.has(r.id) }));
}

export async function listAccounts(): Promise<AccountSummary[]> {
  const rows = await db().account.findMany({ select: SAFE_COLUMNS, orderBy: { name: "asc" } });
  return withPasswordFlag(rows);
}

export async function getAccount(ref: AccountRef): Promise<AccountSummary> {
  const row = await db().account.findUnique({ where: normalise(ref), select: SAFE_COLUMNS });
  if (!row) throw notFound("Account");
  return (await withPasswordFlag([row]))[0]!;
}

export async function adminExists(): Promise<boolean> {
  return (await db().account.count({ where: { role: "admin", passwordHash: { not: null } } })) > 0;
}

export async function createAccount(input: { name: string; role: Role; password?: string }): Promise<AccountSummary> {
  const name = accountNameSchema.parse(input.name);
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
  const existing = await db().account.findUnique({ where: { name }, select: { id: true } });
  if (existing) throw conflict(`An account named "${name}" already exists.`);
  try {
    const row = await db().account.create({ data: { name, role: input.role, passwordHash }, select: SAFE_COLUMNS });
    return { ...row, hasPassword: passwordHash !== null };
  } catch (err) {
    if ((err as { code?: string }).code === "P2002") throw conflict(`An account named "${name}" already exists.`);
    throw err;
  }
}

export async function setAccountRole(ref: AccountRef, role: Role): Promise<AccountSummary> {
  await db().$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ADMIN_CHANGE_LOCK})`;
    const account = await tx.account.findUnique({ where: normalise(ref), select: { id: true, role: true } });
    if (!account) throw notFound("Account");
    if (account.role === "admin" && role !== "admin") {
      const admins = await tx.account.count({ where: { role: "admin" } });
      if (admins <= 1) throw lastAdmin();
    }
    await tx.account.update({ where: { id: account.id }, data: { role } });
  });
  return getAccount(ref);
}

/** Sets a new password and ends the account's other sessions (all of them unless one is kept). */
export async function setAccountPassword(
  ref: AccountRef,
  password: string,
  opts: { keepSessionId?: number } = {},
): Promise<AccountSummary> {
  const passwordHash = await hashPassword(password);
  const account = await db().account.findUnique({ where: normalise(ref), select: { id: true } });
  if (!account) throw notFound("Account");
  await db().account.update({ where: { id: account.id }, data: { passwordHash } });
  await revokeAccountSessions(account.id, { exceptSessionId: opts.keepSessionId });
  return getAccount({ id: account.id });
}

/** Deletes an account with its sessions and the API tokens it created (foreign keys cascade). */
export async function deleteAccount(ref: AccountRef): Promise<void> {
  await db().$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ADMIN_CHANGE_LOCK})`;
    const account = await tx.account.findUnique({ where: normalise(ref), select: { id: true, role: true } });
    if (!account) throw notFound("Account");
    if (account.role === "admin" && (await tx.account.count({ where: { role: "admin" } })) <= 1) throw lastAdmin();
    await tx.account.delete({ where: { id: account.id } });
  });
}

function normalise(ref: AccountRef): { id: number } | { name: string } {
  return "id" in ref ? { id: ref.id } : { name: ref.name.trim().toLowerCase() };
}
