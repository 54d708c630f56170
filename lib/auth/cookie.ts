/**
 * The session cookie's name and attributes. Kept free of imports so that proxy.ts can use it
 * without pulling the database into the proxy bundle.
 */
export const SESSION_COOKIE = "liber_session";

/** Sessions live 7 days after their last use (sliding expiry). */
export const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export interface SessionCookieOptions {
  httpOnly: true;
  sameSite: "lax";
  secure: boolean;
  path: "/";
  maxAge: number;
}

/** httpOnly (no script access), SameSite=Lax, Secure whenever the request came over https. */
export function sessionCookieOptions(secure: boolean, maxAgeMs = SESSION_TTL_MS): SessionCookieOptions {
  return { httpOnly: true, sameSite: "lax", secure, path: "/", maxAge: Math.max(0, Math.floor(maxAgeMs / 1000)) };
}
