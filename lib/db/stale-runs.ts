import type { Pool } from "pg";
import { currentProcess, isProcessAlive, type ProcessIdentity } from "./process-identity";

/**
 * Runs (import_runs, llm_runs) whose process was killed stay "running" forever: nobody is
 * left to finish them. At start, the server and every CLI command look at the running runs
 * owned by this host and mark those whose process instance is gone as "interrupted". Runs of
 * other hosts are left alone (their processes cannot be checked from here); runs from before
 * owners were recorded (no owner) count as gone, since no process of this version runs them.
 */

const TABLES = ["import_runs", "llm_runs"] as const;

export interface InterruptedRuns {
  importRuns: number[];
  llmRuns: number[];
}

export async function markInterruptedRuns(
  pool: Pool,
  self: ProcessIdentity = currentProcess(),
): Promise<InterruptedRuns> {
  const out: InterruptedRuns = { importRuns: [], llmRuns: [] };
  for (const table of TABLES) {
    const { rows } = await pool.query<{
      id: number;
      owner_pid: number | null;
      owner_host: string | null;
      owner_start_id: string | null;
    }>(
      `SELECT id, owner_pid, owner_host, owner_start_id FROM ${table}
        WHERE status = 'running' AND (owner_host = $1 OR owner_host IS NULL)`,
      [self.host],
    );
    const gone = rows.filter((r) => {
      if (r.owner_pid === null) return true;
      const owner = { pid: r.owner_pid, host: r.owner_host ?? self.host, startId: r.owner_start_id ?? "" };
      return !isProcessAlive(owner);
    });
    if (gone.length === 0) continue;
    const ids = gone.map((r) => r.id);
    const message = "interrupted: the process running it was gone at the next start";
    const { rows: updated } =
      table === "import_runs"
        ? await pool.query<{ id: number }>(
            `UPDATE import_runs SET status = 'interrupted', finished_at = now(), error_message = coalesce(error_message, $2)
              WHERE id = ANY($1::int[]) AND status = 'running' RETURNING id`,
            [ids, message],
          )
        : await pool.query<{ id: number }>(
            `UPDATE llm_runs SET status = 'interrupted', finished_at = now(), error = coalesce(error, $2)
              WHERE id = ANY($1::int[]) AND status = 'running' RETURNING id`,
            [ids, message],
          );
    (table === "import_runs" ? out.importRuns : out.llmRuns).push(...updated.map((r) => r.id).sort((a, b) => a - b));
  }
  return out;
}
