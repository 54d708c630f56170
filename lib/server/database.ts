import { config, setDatabaseUrl } from "../config";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../db/embedded";
import { migrate } from "../db/migrate";

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
export async function openDatabase(opts: { log?: (line: string) => void; pgLog?: (line: string) => void } = {}): Promise<SelectedDatabase> {
  const cfg = config();
  const log = opts.log ?? (() => {});
  let embedded: EmbeddedDatabase | undefined;
  let url = cfg.DATABASE_URL;
  if (!url) {
    log(`starting embedded PostgreSQL in ${cfg.dataDir}/pg on port ${cfg.LIBER_PG_PORT}`);
    embedded = await startEmbeddedPostgres({ dataDir: cfg.dataDir, port: cfg.LIBER_PG_PORT, log: opts.pgLog });
    url = embedded.url;
  }
  try {
    await migrate(url, { log });
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
  setDatabaseUrl(url);
  return { url, embedded: Boolean(embedded), stop: async () => embedded?.stop() };
}
