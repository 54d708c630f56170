import { NextResponse } from "next/server";
import { route } from "@/lib/auth/route";
import { SESSION_COOKIE } from "@/lib/auth/cookie";
import { clearSessionCookie } from "@/lib/auth/http";
import { revokeSession } from "@/lib/auth/sessions";

export const dynamic = "force-dynamic";

/** POST /api/auth/sign-out: ends the session in the database and clears the cookie. */
export const POST = route({ access: "public" }, async ({ req }) => {
  const token = req.cookies.get(SESSION_COOKIE)?.value;
  if (token) await revokeSession(token);
  return clearSessionCookie(NextResponse.json({ ok: true }), req);
});
