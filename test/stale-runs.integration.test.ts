import { spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { pool } from "../lib/db/client";
import { currentProcess } from "../lib/db/process-identity";
import { markInterruptedRuns } from "../lib/db/stale-runs";
import { listImportRuns, startImportRun } from "../lib/ingest/runs";
import { createRun } from "../lib/summaries/store";
import { useTestDatabase } from "./db";

/** Issue 9 item 5: runs whose process was killed are marked interrupted at the next start. */

const databaseUrl = useTestDatabase();
const REPO = path.resolve(import.meta.dirname, "..");

/** A child process that starts one import run and one LLM run, then is killed with SIGKILL. */
async function runsOfAKilledProcess(): Promise<{ importRun: number; llmRun: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(REPO, "test/fixtures/start-runs.ts")], {
    cwd: REPO,
    env: { ...process.env, DATABASE_URL: databaseUrl() },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const ids = await new Promise<{ importRun: number; llmRun: number }>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /runs (\d+) (\d+)/.exec(out);
      if (m) resolve({ importRun: Number(m[1]), llmRun: Number(m[2]) });
    });
    child.once("exit", (code) => reject(new Error(`child exited early (${code})`)));
  });
  await new Promise<void>((resolve) => {
    child.removeAllListeners("exit");
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
  return ids;
}

const status = async (table: string, id: number) =>
  (await pool().query<{ status: string }>(`SELECT status::text FROM ${table} WHERE id = $1`, [id])).rows[0]!.status;

describe("stale runs", () => {
  it(
    "of a process killed with SIGKILL become interrupted; runs of live processes and other hosts stay running",
    { timeout: 60_000 },
    async () => {
      const killed = await runsOfAKilledProcess();
      expect(await status("import_runs", killed.importRun)).toBe("running");
      expect(await status("llm_runs", killed.llmRun)).toBe("running");

      const ours = {
        importRun: await startImportRun("csv", "live.csv", {}),
        llmRun: await createRun({
          kind: "cascade",
          provider: "builtin",
          model: "m",
          configId: null,
          promptVersionId: null,
          createdBy: "me",
        }),
      };
      const me = currentProcess();
      const insert = async (pid: number | null, host: string | null, startId: string | null) =>
        (
          await pool().query<{ id: number }>(
            `INSERT INTO import_runs (source, file, owner_pid, owner_host, owner_start_id) VALUES ('csv', 'x', $1, $2, $3) RETURNING id`,
            [pid, host, startId],
          )
        ).rows[0]!.id;
      const otherHost = await insert(1, `not-${os.hostname()}`, "1");
      const legacy = await insert(null, null, null);
      // Same pid as this process but another instance (the pid was reused): gone.
      const reusedPid = await insert(me.pid, me.host, me.startId ? `${me.startId}0` : "x");

      const marked = await markInterruptedRuns(pool());
      expect(marked.importRuns).toEqual(expect.arrayContaining([killed.importRun, legacy]));
      expect(marked.llmRuns).toEqual([killed.llmRun]);
      expect(await status("import_runs", killed.importRun)).toBe("interrupted");
      expect(await status("llm_runs", killed.llmRun)).toBe("interrupted");
      expect(await status("import_runs", legacy)).toBe("interrupted");
      if (me.startId) expect(await status("import_runs", reusedPid)).toBe("interrupted");
      expect(await status("import_runs", ours.importRun)).toBe("running");
      expect(await status("llm_runs", ours.llmRun)).toBe("running");
      expect(await status("import_runs", otherHost)).toBe("running");

      const page = await listImportRuns({ page: 1, pageSize: 10, status: "interrupted" });
      expect(page.runs.map((r) => r.id)).toContain(killed.importRun);
      expect(page.runs.find((r) => r.id === killed.importRun)).toMatchObject({
        status: "interrupted",
        errorMessage: expect.stringMatching(/^interrupted/),
      });
      // Running it again changes nothing.
      expect(await markInterruptedRuns(pool())).toEqual({ importRuns: [], llmRuns: [] });
    },
  );
});
