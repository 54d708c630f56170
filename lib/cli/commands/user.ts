import { Option, type Command } from "commander";
import { z } from "zod";
import {
  accountNameSchema,
  createAccount,
  deleteAccount,
  listAccounts,
  setAccountPassword,
  setAccountRole,
} from "../../auth/accounts";
import { passwordSchema } from "../../auth/password";
import { ROLES, type Role } from "../../auth/roles";
import { CliError, info, printJson, withDatabase } from "../context";

/** `liber user ...`: dashboard accounts, straight in the database (works while the server runs or not). */
export function registerUser(program: Command): void {
  const user = program.command("user").description("manage the accounts that sign in to the dashboard");

  user
    .command("add <name>")
    .description("create an account (asks for its password, or reads it from stdin)")
    .addOption(new Option("--role <role>", "viewer, editor or admin").choices(ROLES).makeOptionMandatory())
    .option("--password-stdin", "read the password from standard input (for scripts)")
    .action(async (rawName: string, opts: { role: Role; passwordStdin?: boolean }) => {
      const name = parseOrFail(accountNameSchema, rawName, "name");
      const password = await readNewPassword(Boolean(opts.passwordStdin));
      const account = await withDatabase(() => createAccount({ name, role: opts.role, password }), { quiet: true });
      info(`created ${account.role} account "${account.name}"`);
    });

  user
    .command("list")
    .description("list accounts")
    .option("--json", "print machine-readable JSON")
    .action(async (opts: { json?: boolean }) => {
      const accounts = await withDatabase(listAccounts, { quiet: true });
      if (opts.json) return printJson(accounts);
      if (accounts.length === 0) return info("no accounts yet: `liber user add <name> --role admin`");
      const width = Math.max(4, ...accounts.map((a) => a.name.length));
      info(`${"NAME".padEnd(width)}  ROLE    LAST SIGN-IN`);
      for (const a of accounts) {
        const last = a.lastSignInAt ? a.lastSignInAt.toISOString().slice(0, 16).replace("T", " ") : "never";
        info(`${a.name.padEnd(width)}  ${a.role.padEnd(6)}  ${last}${a.hasPassword ? "" : "  (no password)"}`);
      }
    });

  user
    .command("set-role <name> <role>")
    .description("change an account's role (viewer, editor, admin); takes effect on its next request")
    .action(async (name: string, role: string) => {
      const parsed = parseOrFail(z.enum(ROLES), role, "role");
      const account = await withDatabase(() => setAccountRole({ name }, parsed), { quiet: true });
      info(`"${account.name}" is now ${account.role}`);
    });

  user
    .command("set-password <name>")
    .description("set an account's password (asks for it, or reads it from stdin); ends its sessions")
    .option("--password-stdin", "read the password from standard input (for scripts)")
    .action(async (name: string, opts: { passwordStdin?: boolean }) => {
      const password = await readNewPassword(Boolean(opts.passwordStdin));
      const account = await withDatabase(() => setAccountPassword({ name }, password), { quiet: true });
      info(`password of "${account.name}" changed; its sessions were signed out`);
    });

  user
    .command("remove <name>")
    .description("delete an account and end its sessions (not the last admin)")
    .action(async (name: string) => {
      await withDatabase(() => deleteAccount({ name }), { quiet: true });
      info(`removed "${name.trim().toLowerCase()}"`);
    });
}

function parseOrFail<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new CliError(`invalid ${what}: ${parsed.error.issues[0]?.message ?? "invalid"}`, 2);
  return parsed.data;
}

async function readNewPassword(fromStdin: boolean): Promise<string> {
  let password: string;
  if (fromStdin) {
    password = (await readAll(process.stdin)).replace(/\r?\n$/, "");
  } else if (process.stdin.isTTY) {
    password = await promptHidden("Password: ");
    if ((await promptHidden("Repeat the password: ")) !== password) throw new CliError("the two passwords differ", 2);
  } else {
    throw new CliError("no terminal to ask for the password: pass --password-stdin and pipe it in", 2);
  }
  return parseOrFail(passwordSchema, password, "password");
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

/** Reads a line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let value = "";
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (data: Buffer) => {
      for (const ch of data.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return done();
        if (ch === "\u0003") return done(new CliError("cancelled", 130)); // Ctrl-C
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else if (ch >= " ") value += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on("data", onData);
  });
}
