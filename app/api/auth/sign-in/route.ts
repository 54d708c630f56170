import { NextResponse } from "next/server";
import { z } from "zod";
import { route } from "@/lib/auth/route";
import { assertSameOrigin, setSessionCookie, tooManyAttempts, wrongCredentials } from "@/lib/auth/http";
import { PASSWORD_MAX_LENGTH } from "@/lib/auth/password";
import { clientIp } from "@/lib/auth/request";
import { toSessionInfo } from "@/lib/auth/session-info";
import { signIn } from "@/lib/auth/sign-in";

export const dynamic = "force-dynamic";

const signInBody = z.object({
  name: z.string().trim().min(1, "Enter your name.").max(64),
  password: z.string().min(1, "Enter your password.").max(PASSWORD_MAX_LENGTH),
});

/** POST /api/auth/sign-in: name + password -> session cookie. 401 wrong, 429 rate-limited. */
export const POST = route({ access: "public", body: signInBody }, async ({ req, body }) => {
  assertSameOrigin(req); // no signing a victim's browser into someone else's account
  const result = await signIn({ name: body.name, password: body.password, ip: clientIp(req.headers) });
  if (!result.ok) {
    if (result.reason === "rate_limited") return tooManyAttempts(result.retryAfterSeconds);
    throw wrongCredentials();
  }
  const res = NextResponse.json({ session: toSessionInfo({ ...result.account, kind: "session" }) });
  return setSessionCookie(res, req, result.session.token, result.session.expiresAt);
});
