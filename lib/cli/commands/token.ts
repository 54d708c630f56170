import { Option, type Command } from "commander";
import { createApiToken, listApiTokens, revokeApiToken } from "../../auth/api-tokens";
import { ROLES, type Role } from "../../auth/roles";
import { CliError, info, printJson, withDatabase } from "../context";

/** `liber token ...`: API tokens for scripts and the ingestion API, as on the Settings page. */
export function registerToken(program: Command): void {
  const token = program.command("token").description("manage API tokens (Authorization: Bearer lbr_...)");

  token
    .command("create <name>")
    .description("create a token; prints it once on stdout")
    .addOption(new Option("--role <role>", "viewer, editor or admin").choices(ROLES).makeOptionMandatory())
    .action(async (name: string, opts: { role: Role }) => {
      const created = await withDatabase(() => createApiToken({ name, role: opts.role, createdById: null }), { quiet: true });
      info(`created ${created.summary.role} token "${created.summary.name}" (id ${created.summary.id}); it is shown only now:`);
      process.stdout.write(`${created.token}\n`);
    });

  token
    .command("list")
    .description("list tokens (never their values)")
    .option("--all", "include revoked tokens")
    .option("--json", "print machine-readable JSON")
    .action(async (opts: { all?: boolean; json?: boolean }) => {
      const tokens = await withDatabase(() => listApiTokens({ includeRevoked: opts.all }), { quiet: true });
      if (opts.json) return printJson(tokens);
      if (tokens.length === 0) return info("no tokens");
      for (const t of tokens) {
        const used = t.lastUsedAt ? t.lastUsedAt.toISOString().slice(0, 16).replace("T", " ") : "never used";
        info(`${String(t.id).padStart(4)}  ${t.prefix}…  ${t.role.padEnd(6)}  ${t.name}  (${used}${t.revokedAt ? ", revoked" : ""})`);
      }
    });

  token
    .command("revoke <id>")
    .description("revoke a token by id (see `liber token list`)")
    .action(async (id: string) => {
      const n = Number(id);
      if (!Number.isInteger(n) || n <= 0) throw new CliError(`invalid token id: ${id}`, 2);
      const revoked = await withDatabase(() => revokeApiToken(n), { quiet: true });
      info(`revoked token "${revoked.name}"`);
    });
}
