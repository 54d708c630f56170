import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "../lib/db/embedded";
import { isPidAlive } from "../lib/db/process-identity";
import { freePort } from "../lib/db/free-port";

/**
 * Issue 9 item 10: an embedded PostgreSQL left running by a killed `liber start` is adopted by
 * the next one, which says "attached to the running embedded server" and stops it on shutdown;
 * while its owner lives, others only attach and never stop it.
 */

const REPO = path.resolve(import.meta.dirname, "..");
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "liber-adopt-"));
fs.chmodSync(dataDir, 0o755);
const port = await freePort();
// lib/config reads these on first use, which is openDatabase below.
delete process.env.DATABASE_URL;
process.env.LIBER_DATA_DIR = dataDir;
process.env.LIBER_PG_PORT = String(port);

let child: ChildProcess | undefined;
let postmaster = 0;
afterAll(async () => {
  child?.kill("SIGKILL");
  if (postmaster && isPidAlive(postmaster)) process.kill(postmaster, "SIGINT");
  for (let i = 0; i < 100 && postmaster && isPidAlive(postmaster); i++) await new Promise((r) => setTimeout(r, 100));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function startOwner(): Promise<number> {
  child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(REPO, "test/fixtures/embedded-owner.ts"), dataDir, String(port)],
    {
      cwd: REPO,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  return new Promise((resolve, reject) => {
    let out = "";
    child!.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /ready (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child!.once("exit", (code) => reject(new Error(`owner exited early (${code})`)));
  });
}

describe("an embedded PostgreSQL left running", () => {
  it("is only attached to (never stopped) while its owner lives", { timeout: 120_000 }, async () => {
    postmaster = await startOwner();
    expect(isPidAlive(postmaster)).toBe(true);
    const joined = await startEmbeddedPostgres({ dataDir, port, adoptOrphan: true });
    expect(joined).toMatchObject({ attached: true, owned: false, pid: postmaster });
    await joined.stop();
    expect(isPidAlive(postmaster)).toBe(true);
  });

  it(
    "is adopted after its owner was killed: the log says attached, and a clean stop stops it",
    { timeout: 120_000 },
    async () => {
      const killed = child!;
      await new Promise<void>((resolve) => {
        killed.once("exit", () => resolve());
        killed.kill("SIGKILL");
      });
      expect(isPidAlive(postmaster), "the server outlives its killed owner").toBe(true);

      const lines: string[] = [];
      const { openDatabase } = await import("../lib/server/database");
      const database = await openDatabase({ log: (l) => lines.push(l), adoptOrphan: true });
      expect(lines.join("\n")).toMatch(/attached to the running embedded server/);
      expect(lines.join("\n")).not.toMatch(/starting embedded PostgreSQL/);
      expect(database.embedded).toBe(true);
      const { closeDb } = await import("../lib/db/client");
      await closeDb();
      await database.stop();
      expect(isPidAlive(postmaster), "stopped on shutdown by the process that adopted it").toBe(false);
    },
  );
});
