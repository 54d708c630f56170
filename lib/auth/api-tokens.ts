import { notFound } from "../api/errors";
import { db } from "../db/client";
import type { Caller } from "./types";
import type { Role } from "./roles";
import { hashSecret, isWellFormedApiToken, newApiToken } from "./secrets";

// Record "last used" at this granularity: a script calling in a loop should not write every time.
const LAST_USED_EVERY_MS = 60 * 1000;

/** What may be shown about a token: never its hash. */
const SAFE_COLUMNS = {
  id: true,
  name: true,
  role: true,
  prefix: true,
  createdAt: true,
  lastUsedAt: true,
  revokedAt: true,
  createdBy: { select: { name: true } },
} as const;

export interface ApiTokenSummary {
  id: number;
  name: string;
  role: Role;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdBy: string | null;
}

type Row = { createdBy: { name: string } | null } & Omit<ApiTokenSummary, "createdBy">;
const summary = ({ createdBy, ...rest }: Row): ApiTokenSummary => ({ ...rest, createdBy: createdBy?.name ?? null });

export async function createApiToken(input: {
  name: string;
  role: Role;
  createdById: number | null;
}): Promise<{ token: string; summary: ApiTokenSummary }> {
  const secret = newApiToken();
  const row = await db().apiToken.create({
    data: { name: input.name, role: input.role, tokenHash: secret.hash, prefix: secret.prefix, createdById: input.createdById },
    select: SAFE_COLUMNS,
  });
  return { token: secret.token, summary: summary(row) };
}

export async function listApiTokens(opts: { includeRevoked?: boolean } = {}): Promise<ApiTokenSummary[]> {
  const rows = await db().apiToken.findMany({
    where: opts.includeRevoked ? {} : { revokedAt: null },
    select: SAFE_COLUMNS,
    orderBy: { id: "asc" },
  });
  return rows.map(summary);
}

/** Revoking is permanent; the row stays for the record. Revoking twice is harmless. */
export async function revokeApiToken(id: number, now = new Date()): Promise<ApiTokenSummary> {
  const existing = await db().apiToken.findUnique({ where: { id }, select: { revokedAt: true } });
  if (!existing) throw notFound("API token");
  const row = await db().apiToken.update({
    where: { id },
    data: { revokedAt: existing.revokedAt ?? now },
    select: SAFE_COLUMNS,
  });
  return summary(row);
}

/** The caller behind a bearer token, or null when it is unknown or revoked. */
export async function tokenCaller(token: string, now = new Date()): Promise<Caller | null> {
  if (!isWellFormedApiToken(token)) return null;
  const row = await db().apiToken.findUnique({
    where: { tokenHash: hashSecret(token) },
    select: { id: true, name: true, role: true, revokedAt: true, lastUsedAt: true },
  });
  if (!row || row.revokedAt) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_EVERY_MS) {
    await db().apiToken.updateMany({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { kind: "token", accountId: null, name: `token:${row.name}`, role: row.role, tokenId: row.id };
}
