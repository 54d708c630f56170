import PgBoss from "pg-boss";

/**
 * The queue: pg-boss 10 in the product's own PostgreSQL, in its own schema "pgboss" (pg-boss
 * creates and migrates it on start). No other service: several worker processes, on several
 * machines, share work by pointing at the same database.
 *
 * A queue message is not a unit of work but a wake-up: "drain run N". The work itself (one
 * user of a run) is claimed row by row from job_run_items (worker.ts), so a message delivered
 * twice, retried by pg-boss after an expiry, or sent to a run that is already finished costs
 * one query and does nothing twice.
 */

export const RUN_QUEUE = "liber-run";
export const BOSS_SCHEMA = "pgboss";

export interface DrainMessage {
  runId: number;
}

interface BossState {
  url: string;
  boss: PgBoss;
  starting: Promise<PgBoss>;
}

// One instance per process (route bundles and the CLI share it through globalThis).
const globalRef = globalThis as unknown as { __liberBoss?: BossState };

function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set: the job queue needs the database");
  return url;
}

/** The started pg-boss of this process (created on first use). */
export async function queue(): Promise<PgBoss> {
  const url = databaseUrl();
  const current = globalRef.__liberBoss;
  if (current && current.url === url) return current.starting;
  if (current) await stopQueue();
  const boss = new PgBoss({
    connectionString: url,
    schema: BOSS_SCHEMA,
    application_name: "liber-jobs",
    max: 4,
    // Expired messages (a worker that died holding one) are retried; the claim on
    // job_run_items is what actually keeps two workers off one user.
    maintenanceIntervalSeconds: 30,
    schedule: false,
  });
  boss.on("error", (err) => {
    // A database restart shows up here as connection errors; pg-boss keeps polling and recovers.
    if (process.env.LIBER_DEBUG) console.error("[jobs] queue:", err.message);
  });
  const starting = (async () => {
    await boss.start();
    await boss.createQueue(RUN_QUEUE, {
      name: RUN_QUEUE,
      policy: "standard",
      retryLimit: 20,
      retryDelay: 2,
      retryBackoff: true,
      // A drain runs as long as there are users to claim; a worker writes heartbeats, and
      // stale users are handed on long before this backstop (worker.ts).
      expireInSeconds: 4 * 3600,
      retentionMinutes: 24 * 60,
    });
    return boss;
  })();
  globalRef.__liberBoss = { url, boss, starting };
  try {
    return await starting;
  } catch (err) {
    globalRef.__liberBoss = undefined;
    throw err;
  }
}

/** Asks `count` workers (or fewer) to work on a run, now or after `delaySeconds`. */
export async function wakeRun(runId: number, count = 1, delaySeconds = 0): Promise<void> {
  const boss = await queue();
  const message: DrainMessage = { runId };
  const jobs = Array.from({ length: count }, () => ({
    name: RUN_QUEUE,
    data: message,
    ...(delaySeconds > 0 ? { startAfter: new Date(Date.now() + delaySeconds * 1000) } : {}),
  }));
  await boss.insert(jobs);
}

export async function stopQueue(): Promise<void> {
  const current = globalRef.__liberBoss;
  globalRef.__liberBoss = undefined;
  if (!current) return;
  await current.starting.catch(() => undefined);
  await current.boss.stop({ graceful: true, wait: true, timeout: 10_000 }).catch(() => undefined);
}
