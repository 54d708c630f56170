import { closeDb } from "../db/client";
import { openDatabase } from "../server/database";

/** Prints to stderr, so that stdout stays clean for --json output. */
export function info(message: string): void {
  process.stderr.write(`${message}\n`);
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/**
 * Runs a CLI action against the selected database (DATABASE_URL, or the embedded server in
 * LIBER_DATA_DIR, which is started for the command and stopped after it unless the dashboard
 * already runs it).
 */
export async function withDatabase<T>(action: () => Promise<T>, opts: { quiet?: boolean } = {}): Promise<T> {
  const database = await openDatabase({ log: opts.quiet ? undefined : (l) => info(l) });
  try {
    return await action();
  } finally {
    await closeDb();
    await database.stop();
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
