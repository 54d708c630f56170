import { pool } from "./client";

export interface DatabaseHealth {
  ok: boolean;
  latencyMs: number;
  serverVersion?: string;
  pendingMigrations?: number;
  error?: string;
}

export async function databaseHealth(): Promise<DatabaseHealth> {
  const started = performance.now();
  try {
    const { rows } = await pool().query<{ version: string }>("SELECT current_setting('server_version') AS version");
    return { ok: true, latencyMs: Math.round(performance.now() - started), serverVersion: rows[0]?.version };
  } catch (err) {
    // The message may name the host; never the password (pg does not include it).
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: (err as Error).message };
  }
}
