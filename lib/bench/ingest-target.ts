import { DEMO_DATASET_DIR } from "../datasets/demo";
import { behaviorsRouteLoader } from "./handed-in";
import { runIngestBench, type IngestBenchResult, type RatioGoal, type RouteHandler } from "./ingest";
import { runLifelongBench, type LifelongBenchResult } from "./lifelong";
import { positiveInt, withScratchDatabase, type BenchTarget } from "./target";

const verdict = (g: RatioGoal) => (g.met === null ? "not measured" : `${g.measured}, ${g.met ? "met" : "NOT met"}`);

export const ingestBenchTarget: BenchTarget<IngestBenchResult & { lifelong: LifelongBenchResult | null }> = {
  name: "ingest",
  description:
    "import MovieLens ml-latest-small (importer), then the same events through POST /api/behaviors in batches, " +
    "and a bare COPY of the same rows as the reference",
  configure: (cmd) =>
    cmd
      .option("--dataset <dir>", "a MovieLens folder", DEMO_DATASET_DIR)
      .option("--repeat <n>", "importer repetitions (the median is reported)", "1")
      .option("--api-batch <n>", "events per API request", "1000")
      .option("--no-api", "skip the API measures (in-process and HTTP)")
      .option("--http-clients <list>", "concurrent HTTP clients per level, comma-separated", "1,4,16")
      .option("--http-events <n>", "events sent at each HTTP level", "32000")
      .option("--no-lifelong", "skip the lifelong user (50,000 events): partitions and summaries API latency"),
  run: async (opts, log) => {
    const repeat = positiveInt(opts.repeat, "--repeat");
    const apiBatchSize = positiveInt(opts.apiBatch, "--api-batch");
    const load = behaviorsRouteLoader();
    if (opts.api !== false && !load)
      throw new Error("the API measure needs the route handler from bin/liber.mjs (or pass --no-api)");
    return withScratchDatabase(log, async () => {
      // Loaded only once the importer and COPY runs are done: the route pulls in Next.js, whose
      // module graph in the same heap slowed the importer measured after it (by 1.1-1.4 s of
      // ~3-5 s in back-to-back runs); a CLI import never loads it.
      const api =
        opts.api !== false && load
          ? async (): Promise<{ handler: RouteHandler; token: string }> => {
              const { createApiToken } = await import("../auth/api-tokens");
              const { token } = await createApiToken({ name: "bench", role: "editor", createdById: null });
              return { handler: await load(), token };
            }
          : null;
      const httpClients = String(opts.httpClients ?? "1,4,16")
        .split(",")
        .filter((c) => c.trim() !== "")
        .map((c) => positiveInt(c.trim(), "--http-clients"));
      const httpEvents = positiveInt(opts.httpEvents ?? "32000", "--http-events");
      const result = await runIngestBench({
        dataset: String(opts.dataset),
        repeat,
        apiBatchSize,
        api,
        httpClients,
        httpEvents,
        log,
      });
      const lifelong = opts.lifelong !== false ? await runLifelongBench({ log }) : null;
      return { ...result, lifelong };
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
      ...(r.http ?? []).map(
        (h) =>
          `  HTTP x${String(h.clients).padEnd(3)}      ${n(h.eventsPerSec)} events/s  (p50 ${h.p50Ms} ms, p95 ${h.p95Ms} ms per request of ` +
          `${r.api?.batchSize ?? "?"}; ${n(h.events)} events; ${h.toImporterRatio} of the importer)`,
      ),
      `  bare COPY      ${n(r.copyReference.eventsPerSec)} rows/s  (${n(r.copyReference.rows)} rows in ${n(r.copyReference.durationMs)} ms` +
        `${r.repeat > 1 ? `; median of ${r.repeat}: ${r.copyReference.runsEventsPerSec.map(n).join(", ")}` : ""})`,
      ...(r.lifelong
        ? [
            `  lifelong user  ${n(r.lifelong.events)} events, ${n(r.lifelong.partitions)} partitions: ` +
              `partitions API p95 ${r.lifelong.partitionsApi.p95Ms} ms (${n(r.lifelong.partitionsApi.bytes)} bytes, ${r.lifelong.partitionsApi.returned} on the page), ` +
              `summaries API p95 ${r.lifelong.summariesApi.p95Ms} ms (${n(r.lifelong.summariesApi.bytes)} bytes)`,
          ]
        : []),
      `  importer/COPY  ${r.importerToCopyRatio} (without the partition update: ${r.ingestOnlyToCopyRatio})`,
      `  goals          importer/COPY >= ${r.goals.importerToCopy.atLeast}: ${verdict(r.goals.importerToCopy)}; ` +
        `HTTP x1/importer >= ${r.goals.httpOneClientToImporter.atLeast}: ${verdict(r.goals.httpOneClientToImporter)}` +
        `  (load average ${r.machine.loadAverage.join(" ")})`,
    ].join("\n");
  },
};
