import { NextResponse } from "next/server";
import { z } from "zod";
import { route } from "@/lib/auth/route";
import { accountNameSchema } from "@/lib/auth/accounts";
import { completeSetup } from "@/lib/auth/first-run";
import { assertSameOrigin, setSessionCookie } from "@/lib/auth/http";
import { passwordSchema } from "@/lib/auth/password";
import { toSessionInfo } from "@/lib/auth/session-info";

export const dynamic = "force-dynamic";

const setupBody = z.object({
  token: z.string().min(1).max(200),
  name: accountNameSchema,
  password: passwordSchema,
});

/** POST /api/auth/setup: uses the one-time first-run link to create the first admin. */
export const POST = route({ access: "public", body: setupBody }, async ({ req, body }) => {
  assertSameOrigin(req);
  const { account, session } = await completeSetup(body);
  const res = NextResponse.json({ session: toSessionInfo({ name: account.name, role: "admin", kind: "session" }) });
  return setSessionCookie(res, req, session.token, session.expiresAt);
});
