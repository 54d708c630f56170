import { featuresRouteLoader } from "./handed-in";
import { BenchOptionError, positiveInt, withScratchDatabase, type BenchTarget } from "./target";
import { runUifBench, type UifBenchResult } from "./uif";

/** `liber bench uif`: builtin encoding throughput and features API latency at 10, 100, 1,000 partitions. */
export const uifBenchTarget: BenchTarget<UifBenchResult> = {
  name: "uif",
  description:
    "builtin text encoder throughput (texts/s) and GET /api/users/{id}/features p50/p95 for users with 10, 100 and 1,000 " +
    "partitions (vectors json, base64, none, json with limit=32; features cache warm and off; beside a bare SELECT of the same vector rows), on a fresh temporary database",
  configure: (cmd) =>
    cmd
      .option("--sizes <list>", "partitions per benchmark user", "10,100,1000")
      .option(
        "--requests <n>",
        "timed requests per user and encoding with the cache warm (after 5 warm-up ones)",
        "100",
      )
      .option("--uncached-requests <n>", "timed requests per user and encoding with the features cache off", "30"),
  run: async (opts, log) => {
    const sizes = String(opts.sizes).split(",").map(Number);
    const requests = positiveInt(opts.requests, "--requests");
    const uncachedRequests = positiveInt(opts.uncachedRequests, "--uncached-requests");
    if (sizes.some((s) => !Number.isInteger(s) || s < 1 || s > 10_000))
      throw new BenchOptionError("--sizes must list integers from 1 to 10000");
    const load = featuresRouteLoader();
    if (!load) throw new Error("the features measure needs the route handler from bin/liber.mjs");
    const featuresRoute = await load();
    return withScratchDatabase(log, () => runUifBench({ sizes, requests, uncachedRequests, featuresRoute, log }));
  },
  describe: (r) => {
    const n = (v: number) => v.toLocaleString("en");
    return [
      `UIF benchmark (${r.machine.cpus} CPUs, load ${r.machine.loadAverage.join(" ")}; ${n(r.setup.partitions)} partitions, ${n(r.setup.texts)} texts)`,
      `  builtin encoder  ${n(r.encoding.textsPerSec)} texts/s (${n(r.encoding.texts)} texts of ~${r.encoding.meanChars} chars, D = ${r.encoding.dims}, ${n(r.encoding.durationMs)} ms)`,
      ...r.references.map(
        (x) =>
          `  reference @ ${String(x.partitions).padStart(4)} partitions  SELECT 1 p95 ${x.roundTrip.p95Ms} ms; bare SELECT of the vector rows p50 ${x.selectVectors.p50Ms} ms  p95 ${x.selectVectors.p95Ms} ms`,
      ),
      ...r.features.map(
        (f) =>
          `  features @ ${String(f.partitions).padStart(4)} partitions, ${(f.vectors + (f.limit ? ` limit=${f.limit}` : "")).padEnd(15)} cache ${f.cache.padEnd(4)}  p50 ${f.p50Ms} ms  p95 ${f.p95Ms} ms  max ${f.maxMs} ms  ` +
          `(${f.p95VsSelect}x the SELECT's p95; ${f.requests} requests, ${n(f.responseBytes)} bytes)`,
      ),
      `  goal             p95 < ${r.goal.p95MsAt1000} ms at 1,000 partitions: ${r.goal.met ? `met (${r.goal.metWith.join(", ")})` : "NOT met"}`,
      `  setup            summarise ${n(r.setup.summariseMs)} ms, IDF fit ${n(r.setup.fitMs)} ms, encode+store ${n(r.setup.encodeMs)} ms`,
    ].join("\n");
  },
};
