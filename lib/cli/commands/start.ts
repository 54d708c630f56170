import http from "node:http";
import type { Command } from "commander";
import { config } from "../../config";
import { closeDb } from "../../db/client";
import { handleShutdownSignals } from "../../db/embedded";
import { canListen } from "../../db/free-port";
import { openDatabase, type SelectedDatabase } from "../../server/database";
import { ensureProductionBuild, ROOT } from "../../server/build";
import { copyTfjsWasm } from "../../server/tfjs-wasm";
import { seedDemoDataOnFirstRun } from "../../datasets/demo";
import { ensureActivePartitions } from "../../partitions/recompute";
import { installIngestFollowUps } from "../../jobs/follow-up";
import { stopQueue } from "../../jobs/queue";
import { startWorkerProcess, type WorkerProcess } from "../../jobs/worker-process";
import { ensureFirstAdmin, setupLink } from "../../auth/first-run";
import { CLIENT_IP_HEADER, stampPeer } from "../../auth/request";
import { info } from "../context";

export function registerStart(program: Command): void {
  program
    .command("start")
    .description("start the dashboard (builds if needed, starts the database, migrates, seeds demo data on first run)")
    .option("--dev", "run Next.js in development mode (hot reload)")
    .option("--no-build", "do not rebuild even if sources changed")
    .action(async (opts: { dev?: boolean; build: boolean }) => {
      const cfg = config();
      const dev = Boolean(opts.dev);
      (process.env as Record<string, string>).NODE_ENV = dev ? "development" : "production";
      process.env.NEXT_TELEMETRY_DISABLED = "1";
      // Checked before anything starts: a taken port used to be found only after the build, the
      // database and the worker had started, and the embedded PostgreSQL was left running.
      const portTaken = () => new Error(`Port ${cfg.PORT} is already in use: set PORT to a free port.`);
      if (!(await canListen(cfg.PORT, cfg.LIBER_HOST))) throw portTaken();

      // What has started, stopped in reverse order on a signal or when the start fails half-way.
      let database: SelectedDatabase | null = null;
      let worker: WorkerProcess | null = null;
      let app: { close?: () => Promise<void> } | null = null;
      let server: http.Server | null = null;
      const stopAll = async () => {
        if (server?.listening) {
          const open = server;
          open.closeAllConnections();
          await new Promise((r) => open.close(r));
        }
        await app?.close?.();
        await worker?.stop();
        await stopQueue();
        await closeDb();
        await database?.stop();
      };
      let stopping: Promise<void> | null = null;
      const onSignal = (signal: string) => {
        if (stopping) return;
        info(`\n${signal}: stopping...`);
        stopping = stopAll().then(
          () => {
            info("stopped cleanly");
            process.exit(0);
          },
          (err: unknown) => {
            info(`stopping failed: ${(err as Error)?.message ?? String(err)}`);
            process.exit(1);
          },
        );
      };
      handleShutdownSignals(onSignal);

      try {
        copyTfjsWasm(ROOT); // the CTR Lab's wasm backend binaries, served from public/tfjs/
        if (!dev && opts.build) ensureProductionBuild(info);
        database = await openDatabase({ log: info, adoptOrphan: true });
        info(database.embedded ? "database: embedded PostgreSQL" : "database: DATABASE_URL");
        await seedDemoDataOnFirstRun({ log: info });
        // UBSP: a log that the active partition config has never seen (data from before partitions existed) is partitioned in the background.
        void ensureActivePartitions(info).catch((err) => info(`partitions: ${(err as Error).message}`));
        // Pipeline: each committed ingest queues the follow-up of what it sealed; a worker in this process works the queue.
        installIngestFollowUps();
        // The worker runs in a child process (`liber worker` on the same database), so that job work
        // (the built-in summariser is CPU work) never runs on this server's event loop.
        if (cfg.LIBER_JOBS_WORKER === "on") {
          worker = startWorkerProcess({ databaseUrl: database.url, log: info });
          info(
            `jobs: worker process ${worker.pid} started (more: \`liber worker\` on any machine that reaches the database)`,
          );
        }
        // Nothing is open by default: make sure someone can become admin (see lib/auth/first-run.ts).
        const firstRun = await ensureFirstAdmin({ adminPassword: cfg.LIBER_ADMIN_PASSWORD });
        if (firstRun.kind === "admin-created")
          info(`created the admin account "${firstRun.name}" from LIBER_ADMIN_PASSWORD`);

        const { default: next } = await import("next");
        const nextApp = next({ dev, dir: ROOT, hostname: cfg.LIBER_HOST, port: cfg.PORT });
        app = nextApp;
        const handle = nextApp.getRequestHandler();
        await nextApp.prepare();
        const listening = http.createServer((req, res) => {
          // The TCP peer, for the sign-in rate limit; overwrites whatever a client sent under this name.
          req.headers[CLIENT_IP_HEADER] = stampPeer(req.socket.remoteAddress ?? "");
          void handle(req, res);
        });
        server = listening;
        await new Promise<void>((resolve, reject) => {
          listening.once("error", (err: NodeJS.ErrnoException) =>
            reject(err.code === "EADDRINUSE" ? portTaken() : err),
          );
          listening.listen(cfg.PORT, cfg.LIBER_HOST, resolve);
        });
        const shownHost = cfg.LIBER_HOST === "0.0.0.0" ? "localhost" : cfg.LIBER_HOST;
        info(`\nLIBER Studio is running at http://${shownHost}:${cfg.PORT}\n`);
        if (firstRun.kind === "setup-link") {
          info(`No admin account yet. Open this one-time link to create one (valid 24 h, until used):`);
          info(`\n    ${setupLink(`http://${shownHost}:${cfg.PORT}`, firstRun.token)}\n`);
        }
      } catch (err) {
        // A signal's shutdown is under way (the start failed because of it): that one exits.
        if (stopping) return new Promise<never>(() => {});
        // Set as `stopping`, so that a signal meanwhile does not start a second stop.
        stopping = stopAll().catch((stopErr: unknown) =>
          info(`stopping failed: ${(stopErr as Error)?.message ?? String(stopErr)}`),
        );
        await stopping;
        throw err;
      }
    });
}
