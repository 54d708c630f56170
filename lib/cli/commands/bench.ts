import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { Command } from "commander";
import { closeDb } from "../../db/client";
import { startEmbeddedPostgres } from "../../db/embedded";
import { migrate } from "../../db/migrate";
import { DEMO_DATASET_DIR } from "../../datasets/demo";
import { runIngestBench, type RouteHandler } from "../../ingest/bench";
import { CliError, info, printJson } from "../context";
import { uilBenchTarget } from "./bench-uil";
import { ubspBenchTarget } from "./bench-ubsp";
import { jobsBenchTarget } from "./bench-jobs";

/**
 * `liber bench <target>`: performance measurements, each against a FRESH temporary embedded
 * PostgreSQL (its own folder and free port, stopped and deleted afterwards), so that figures
 * never depend on, or touch, the user's data.
 *
 * To add a target, append a BenchTarget to BENCH_TARGETS: `configure` adds its options,
 * `run` gets them and returns the JSON result; `describe` turns it into the human summary.
 */
export interface BenchTarget<R = unknown> {
  name: string;
  description: string;
  configure?: (cmd: Command) => Command;
  run: (opts: Record<string, string | boolean | undefined>, log: (line: string) => void) => Promise<R>;
  describe: (result: R) => string;
}

const ingestTarget: BenchTarget<Awaited<ReturnType<typeof runIngestBench>>> = {
  name: "ingest",
  description:
    "import MovieLens ml-latest-small (importer), then the same events through POST /api/behaviors in batches, " +
    "and a bare COPY of the same rows as the reference",
  configure: (cmd) =>
    cmd
      .option("--dataset <dir>", "a MovieLens folder", DEMO_DATASET_DIR)
      .option("--repeat <n>", "importer repetitions (the median is reported)", "1")
      .option("--api-batch <n>", "events per API request", "1000")
      .option("--no-api", "skip the API measure"),
  run: async (opts, log) => {
    const repeat = positiveInt(opts.repeat, "--repeat");
    const apiBatchSize = positiveInt(opts.apiBatch, "--api-batch");
    return withScratchDatabase(log, async () => {
      let api: { handler: RouteHandler; token: string } | null = null;
      if (opts.api !== false) {
        const { createApiToken } = await import("../../auth/api-tokens");
        const { token } = await createApiToken({ name: "bench", role: "editor", createdById: null });
        const route = await import("../../../app/api/behaviors/route");
        api = { handler: route.POST as unknown as RouteHandler, token };
      }
      return runIngestBench({ dataset: String(opts.dataset), repeat, apiBatchSize, api, log });
    });
  },
  describe: (r) => {
    const n = (v: number) => v.toLocaleString("en");
    return [
      `ingest benchmark (${r.dataset}, ${r.machine.cpus} CPUs, PostgreSQL ${r.machine.postgres})`,
      `  importer       ${n(r.importer.eventsPerSec)} events/s  (${n(r.importer.events)} events in ${n(r.importer.durationMs)} ms` +
        `${r.repeat > 1 ? `; median of ${r.repeat}: ${r.importer.runsEventsPerSec.map(n).join(", ")}` : ""})`,
      `    without the UBSP partition update at commit (${n(r.importer.partitionUpdateMs)} ms): ${n(r.importer.ingestOnlyEventsPerSec)} events/s`,
      r.api
        ? `  API            ${n(r.api.eventsPerSec)} events/s  (${r.api.requests} requests of ${r.api.batchSize}, ${n(r.api.durationMs)} ms; ${r.api.method})`
        : "  API            skipped",
      `  bare COPY      ${n(r.copyReference.eventsPerSec)} rows/s  (${n(r.copyReference.rows)} rows in ${n(r.copyReference.durationMs)} ms` +
        `${r.repeat > 1 ? `; median of ${r.repeat}: ${r.copyReference.runsEventsPerSec.map(n).join(", ")}` : ""})`,
      `  importer/COPY  ${r.importerToCopyRatio} (without the partition update: ${r.ingestOnlyToCopyRatio})`,
      `  goal           importer >= ${n(r.goal.importerEventsPerSec)} events/s: ${r.goal.met ? "met" : "NOT met"}` +
        `  (load average ${r.machine.loadAverage.join(" ")})`,
    ].join("\n");
  },
};

export const BENCH_TARGETS: BenchTarget<any>[] = [ingestTarget, uilBenchTarget, ubspBenchTarget, jobsBenchTarget]; // eslint-disable-line @typescript-eslint/no-explicit-any

export function registerBench(program: Command): void {
  const bench = program
    .command("bench")
    .description("measure performance on a fresh temporary database (never your data)");
  for (const target of BENCH_TARGETS) {
    let cmd = bench.command(target.name).description(target.description).option("--json", "print the result as JSON on stdout");
    cmd = target.configure?.(cmd) ?? cmd;
    cmd.action(async (opts: Record<string, string | boolean | undefined>) => {
      const log = (line: string) => info(line);
      const result = await target.run(opts, log);
      if (opts.json) printJson(result);
      else info(target.describe(result));
    });
  }
}

/**
 * Runs `action` with DATABASE_URL pointing at a new, migrated, embedded PostgreSQL in a
 * temporary folder on a free port; stops the server and deletes the folder afterwards.
 */
export async function withScratchDatabase<T>(log: (line: string) => void, action: () => Promise<T>): Promise<T> {
  // Not under a 700 home folder: as root, postgres runs as its own user and must traverse it.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "liber-bench-"));
  fs.chmodSync(dir, 0o755);
  const previousUrl = process.env.DATABASE_URL;
  let server: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
  try {
    const port = await freePort();
    log(`bench: temporary PostgreSQL in ${dir} on port ${port}`);
    server = await startEmbeddedPostgres({ dataDir: dir, port });
    await migrate(server.url);
    await closeDb();
    process.env.DATABASE_URL = server.url;
    return await action();
  } finally {
    await closeDb();
    if (previousUrl === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = previousUrl;
    await server?.stop().catch((err) => log(`bench: stopping PostgreSQL failed: ${(err as Error).message}`));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function positiveInt(raw: unknown, flag: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag} must be a positive integer`);
  return n;
}
