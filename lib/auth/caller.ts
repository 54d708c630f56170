import type { NextRequest } from "next/server";
import { tokenCaller } from "./api-tokens";
import { SESSION_COOKIE } from "./cookie";
import { assertSameOrigin } from "./http";
import { bearerToken } from "./secrets";
import { sessionCaller } from "./sessions";
import type { Caller } from "./types";

export type { Caller } from "./types";

/**
 * Who is calling, or null when nobody signed in. Called by lib/auth/route.ts for every route.
 *
 * - `Authorization: Bearer lbr_...` is an API token; no cookie is consulted and no Origin check
 *   applies (a cross-site page cannot make a browser attach that header).
 * - Otherwise the session cookie. A mutating request carrying a session cookie must come from
 *   this app's own origin (CSRF defence in depth on top of SameSite=Lax): otherwise 403.
 */
export async function authenticate(req: NextRequest, opts: { mutating: boolean }): Promise<Caller | null> {
  const bearer = bearerToken(req.headers);
  if (bearer !== undefined) return bearer ? tokenCaller(bearer) : null;
  const session = req.cookies.get(SESSION_COOKIE)?.value;
  if (!session) return null;
  if (opts.mutating) assertSameOrigin(req);
  return sessionCaller(session);
}
