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
    .option("--expires <duration>", "lifetime such as 12h, 30d or 8w (default: never expires)")
    .action(async (name: string, opts: { role: Role; expires?: string }) => {
      let expiresAt: Date | null = null;
      if (opts.expires !== undefined) {
        const ms = parseDuration(opts.expires);
        if (ms === null)
          throw new CliError(`invalid --expires "${opts.expires}": use a number and h, d or w (e.g. 30d)`, 2);
        expiresAt = new Date(Date.now() + ms);
      }
      const created = await withDatabase(
        () => createApiToken({ name, role: opts.role, createdById: null, expiresAt }),
        { quiet: true },
      );
      const until = created.summary.expiresAt ? `, expires ${created.summary.expiresAt.toISOString()}` : "";
      info(
        `created ${created.summary.role} token "${created.summary.name}" (id ${created.summary.id}${until}); it is shown only now:`,
      );
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
        const expiry = t.expiresAt
          ? `, ${t.expiresAt.getTime() <= Date.now() ? "expired" : "expires"} ${t.expiresAt.toISOString().slice(0, 16).replace("T", " ")}`
          : "";
        info(
          `${String(t.id).padStart(4)}  ${t.prefix}…  ${t.role.padEnd(6)}  ${t.name}  (${used}${t.revokedAt ? ", revoked" : ""}${expiry})`,
        );
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

const DURATION_UNITS_MS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** "12h", "30d", "8w" -> milliseconds; null when not of that form (or zero, or over 10 years). */
export function parseDuration(text: string): number | null {
  const m = /^\s*(\d{1,5})\s*([hdw])\s*$/i.exec(text);
  if (!m) return null;
  const ms = Number(m[1]) * DURATION_UNITS_MS[m[2]!.toLowerCase()]!;
  return ms > 0 && ms <= 3650 * 86_400_000 ? ms : null;
}
