import { z } from "zod";
import { route } from "@/lib/auth/route";
import { deleteAccount, getAccount, roleSchema, setAccountPassword, setAccountRole } from "@/lib/auth/accounts";
import { passwordSchema } from "@/lib/auth/password";

export const dynamic = "force-dynamic";

// int4 ids: a larger number is a 422, not a database error.
const idParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });

const updateBody = z
  .object({ role: roleSchema.optional(), password: passwordSchema.optional() })
  .refine((b) => b.role !== undefined || b.password !== undefined, "Give a role or a password.");

/** PATCH /api/accounts/{id}: changes the role and/or password (a new password ends other sessions). */
export const PATCH = route(
  { access: "admin", params: idParams, body: updateBody },
  async ({ params, body, caller }) => {
    if (body.role) await setAccountRole({ id: params.id }, body.role);
    if (body.password) {
      // Changing one's own password keeps the session it was changed from.
      const keepSessionId = caller.accountId === params.id ? caller.sessionId : undefined;
      await setAccountPassword({ id: params.id }, body.password, { keepSessionId });
    }
    return { account: await getAccount({ id: params.id }) };
  },
);

/** DELETE /api/accounts/{id}: removes the account and its sessions (not the last admin). */
export const DELETE = route({ access: "admin", params: idParams }, async ({ params }) => {
  await deleteAccount({ id: params.id });
  return { ok: true };
});
