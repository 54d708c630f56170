import { NextResponse } from "next/server";
import { route } from "@/lib/auth/route";
import { SESSION_COOKIE, SESSION_TTL_MS } from "@/lib/auth/cookie";
import { setSessionCookie } from "@/lib/auth/http";
import { toSessionInfo } from "@/lib/auth/session-info";

export const dynamic = "force-dynamic";

/**
 * GET /api/auth/me: who is calling (name, role). The dashboard calls it on load, which also
 * renews the cookie's lifetime to match the session's sliding expiry.
 */
export const GET = route({ access: "viewer" }, async ({ req, caller }) => {
  const res = NextResponse.json({ session: toSessionInfo(caller) });
  const token = req.cookies.get(SESSION_COOKIE)?.value;
  if (caller.kind === "session" && token) setSessionCookie(res, req, token, new Date(Date.now() + SESSION_TTL_MS));
  return res;
});
