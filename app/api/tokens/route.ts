import { z } from "zod";
import { route } from "@/lib/auth/route";
import { roleSchema } from "@/lib/auth/accounts";
import { createApiToken, listApiTokens } from "@/lib/auth/api-tokens";

export const dynamic = "force-dynamic";

/** GET /api/tokens: API tokens (never their secret or hash). ?revoked=1 includes revoked ones. */
export const GET = route(
  { access: "admin", query: z.object({ revoked: z.enum(["0", "1"]).optional() }) },
  async ({ query }) => ({ tokens: await listApiTokens({ includeRevoked: query.revoked === "1" }) }),
);

const createBody = z.object({
  name: z.string().trim().min(1, "Give the token a name.").max(100),
  role: roleSchema,
  /** Omit for a token that never expires. */
  expiresInDays: z.int().min(1).max(3650).optional(),
});

/** POST /api/tokens: creates a token; the response is the only time its value is shown. */
export const POST = route({ access: "admin", body: createBody }, async ({ body, caller }) => {
  const { expiresInDays, ...rest } = body;
  const expiresAt = expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null;
  const { token, summary } = await createApiToken({ ...rest, expiresAt, createdById: caller.accountId });
  return { token, apiToken: summary };
});
