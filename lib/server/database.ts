import { config, setDatabaseUrl } from "../config";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../db/embedded";
import { migrate } from "../db/migrate";
import { pool } from "../db/client";
import { markInterruptedRuns } from "../db/stale-runs";

export interface SelectedDatabase {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/**
 * The one rule for choosing the database, shared by the server, the CLI and the tests:
 * DATABASE_URL when set, otherwise an embedded PostgreSQL in LIBER_DATA_DIR.
 * Applies pending migrations and exports DATABASE_URL for lib/db/client.
 */
export async function openDatabase(
  opts: {
    log?: (line: string) => void;
    pgLog?: (line: string) => void;
    /** The server (`liber start`) takes over an embedded PostgreSQL left running by a killed owner, and stops it on shutdown. */
    adoptOrphan?: boolean;
  } = {},
): Promise<SelectedDatabase> {
  const cfg = config();
  const log = opts.log ?? (() => {});
  let embedded: EmbeddedDatabase | undefined;
  let url = cfg.DATABASE_URL;
  if (!url) {
    embedded = await startEmbeddedPostgres({
      dataDir: cfg.dataDir,
      port: cfg.LIBER_PG_PORT,
      log: opts.pgLog,
      adoptOrphan: opts.adoptOrphan,
      onStarting: () => log(`starting embedded PostgreSQL in ${cfg.dataDir}/pg on port ${cfg.LIBER_PG_PORT}`),
    });
    if (embedded.attached) {
      log(
        `attached to the running embedded server in ${cfg.dataDir}/pg (pid ${embedded.pid})` +
          (embedded.owned ? ": its owner is gone, so this process adopts it and stops it on shutdown" : ""),
      );
    }
    url = embedded.url;
  }
  try {
    await migrate(url, { log });
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
  setDatabaseUrl(url);
  // Runs left "running" by a killed process of this host become "interrupted" (lib/db/stale-runs.ts).
  const interrupted = await markInterruptedRuns(pool());
  const n = interrupted.importRuns.length + interrupted.llmRuns.length;
  if (n > 0) {
    log(
      `marked ${n} run(s) interrupted, their process is gone (import runs ${interrupted.importRuns.join(", ") || "none"}; LLM runs ${interrupted.llmRuns.join(", ") || "none"})`,
    );
  }
  return { url, embedded: Boolean(embedded), stop: async () => embedded?.stop() };
}
