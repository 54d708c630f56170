import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Command } from "commander";
import { closeDb } from "../db/client";
import { startEmbeddedPostgres } from "../db/embedded";
import { freePort } from "../db/free-port";
import { migrate } from "../db/migrate";
import { databaseUrl, setDatabaseUrl } from "../config";

/**
 * One `liber bench <target>`: `configure` adds its options, `run` gets them and returns the
 * JSON result; `describe` turns it into the human summary. lib/cli/commands/bench.ts turns
 * each target in ./targets.ts into a subcommand.
 */
export interface BenchTarget<R = unknown> {
  name: string;
  description: string;
  configure?: (cmd: Command) => Command;
  run: (opts: Record<string, string | boolean | undefined>, log: (line: string) => void) => Promise<R>;
  describe: (result: R) => string;
}

/** A bad benchmark option; the CLI prints the message and exits with status 1. */
export class BenchOptionError extends Error {
  override name = "BenchOptionError";
}

export function positiveInt(raw: unknown, flag: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new BenchOptionError(`${flag} must be a positive integer`);
  return n;
}

/**
 * Runs `action` with DATABASE_URL pointing at a new, migrated, embedded PostgreSQL in a
 * temporary folder on a free port; stops the server and deletes the folder afterwards, so that
 * figures never depend on, or touch, the user's data.
 */
export async function withScratchDatabase<T>(log: (line: string) => void, action: () => Promise<T>): Promise<T> {
  // Not under a 700 home folder: as root, postgres runs as its own user and must traverse it.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "liber-bench-"));
  fs.chmodSync(dir, 0o755);
  const previousUrl = databaseUrl();
  let server: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
  try {
    const port = await freePort();
    log(`bench: temporary PostgreSQL in ${dir} on port ${port}`);
    server = await startEmbeddedPostgres({ dataDir: dir, port });
    await migrate(server.url);
    await closeDb();
    setDatabaseUrl(server.url);
    return await action();
  } finally {
    await closeDb();
    setDatabaseUrl(previousUrl);
    await server?.stop().catch((err) => log(`bench: stopping PostgreSQL failed: ${(err as Error).message}`));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
