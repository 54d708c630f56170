import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { e2eSetting } from "./env";

/**
 * Read access to the database of the app under test (the embedded PostgreSQL that
 * `liber start` runs in the e2e data folder; see lib/db/embedded.ts), so that specs check
 * what the UI shows against what is stored.
 */
export function e2eDatabaseUrl(): string {
  const password = fs.readFileSync(path.join(e2eSetting("dataDir"), "pg-password"), "utf8").trim();
  return `postgresql://liber:${encodeURIComponent(password)}@127.0.0.1:${e2eSetting("pgPort")}/liber`;
}

let pool: pg.Pool | undefined;

export async function query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
  pool ??= new pg.Pool({ connectionString: e2eDatabaseUrl(), max: 2, application_name: "liber-e2e" });
  return (await pool.query<R>(sql, params)).rows;
}

/** Call from test.afterAll in specs that used query(). */
export async function closeDatabase(): Promise<void> {
  await pool?.end();
  pool = undefined;
}
