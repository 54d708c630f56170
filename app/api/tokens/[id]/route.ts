import { z } from "zod";
import { route } from "@/lib/auth/route";
import { revokeApiToken } from "@/lib/auth/api-tokens";

export const dynamic = "force-dynamic";

/** DELETE /api/tokens/{id}: revokes the token at once (the row stays for the record). */
export const DELETE = route(
  { access: "admin", params: z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) }) },
  async ({ params }) => ({ apiToken: await revokeApiToken(params.id) }),
);
