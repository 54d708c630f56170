import { z } from "zod";
import { route } from "@/lib/auth/route";
import { accountNameSchema, createAccount, listAccounts, roleSchema } from "@/lib/auth/accounts";
import { passwordSchema } from "@/lib/auth/password";

export const dynamic = "force-dynamic";

/** GET /api/accounts: everyone who can sign in (never password hashes). */
export const GET = route({ access: "admin" }, async () => ({ accounts: await listAccounts() }));

const createBody = z.object({ name: accountNameSchema, role: roleSchema, password: passwordSchema });

/** POST /api/accounts: creates an account with a password. */
export const POST = route({ access: "admin", body: createBody }, async ({ body }) => ({
  account: await createAccount(body),
}));
