import crypto from "node:crypto";

/** Prefix of API tokens, so that a leaked one is recognisable (secret scanners, logs). */
export const API_TOKEN_PREFIX = "lbr_";

/** 32 random bytes, base64url: the value behind sessions, setup links and API tokens. */
export function randomSecret(bytes = 32): string {
  return crypto.randomBytes(bytes).toString("base64url");
}

/**
 * What the database keeps instead of a secret. A fast hash is enough here (unlike passwords):
 * the secrets are 256-bit random values, so there is nothing to brute-force.
 */
export function hashSecret(secret: string): string {
  return crypto.createHash("sha256").update(secret, "utf8").digest("hex");
}

export interface NewApiToken {
  /** Shown to its creator once, never stored. */
  token: string;
  hash: string;
  /** The first characters, stored and shown in lists to tell tokens apart. */
  prefix: string;
}

export function newApiToken(): NewApiToken {
  const token = `${API_TOKEN_PREFIX}${randomSecret()}`;
  return { token, hash: hashSecret(token), prefix: token.slice(0, API_TOKEN_PREFIX.length + 6) };
}

/** Cheap shape check before touching the database: lbr_ + 43 base64url characters. */
export function isWellFormedApiToken(value: string): boolean {
  return /^lbr_[A-Za-z0-9_-]{43}$/.test(value);
}

/**
 * The token in `Authorization: Bearer <token>`: undefined when the header is absent (fall back
 * to the session cookie), "" when it is present but not a bearer credential (reject).
 */
export function bearerToken(headers: Headers): string | undefined {
  const header = headers.get("authorization");
  if (header === null) return undefined;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? "";
}
