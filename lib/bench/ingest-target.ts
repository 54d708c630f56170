import { DEMO_DATASET_DIR } from "../datasets/demo";
import { behaviorsRouteLoader } from "./handed-in";
import { runIngestBench, type RouteHandler } from "./ingest";
import { positiveInt, withScratchDatabase, type BenchTarget } from "./target";

export const ingestBenchTarget: BenchTarget<Awaited<ReturnType<typeof runIngestBench>>> = {
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
    const load = behaviorsRouteLoader();
    if (opts.api !== false && !load) throw new Error("the API measure needs the route handler from bin/liber.mjs (or pass --no-api)");
    return withScratchDatabase(log, async () => {
      let api: { handler: RouteHandler; token: string } | null = null;
      if (opts.api !== false && load) {
        const { createApiToken } = await import("../auth/api-tokens");
        const { token } = await createApiToken({ name: "bench", role: "editor", createdById: null });
        api = { handler: await load(), token };
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
