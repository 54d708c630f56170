import { DEMO_DATASET_DIR } from "../datasets/demo";
import { benchUbsp, type BenchResult } from "./ubsp-pure";
import { runUbspDbBench, type UbspDbBenchResult } from "./ubsp-db";
import { positiveInt, withScratchDatabase, type BenchTarget } from "./target";

export interface UbspBenchReport {
  /** The pure partitioner (lib/bench/ubsp-pure.ts): throughput per rule, bare loop, per-call latency. */
  pure: BenchResult;
  /** Through the database, on a fresh temporary embedded PostgreSQL. */
  db: UbspDbBenchResult | null;
}

/**
 * `liber bench ubsp`: the partitioner's throughput (count rule, gap rule and a bare loop over
 * the same events, with ratios) and, on a fresh temporary database, the time to ingest one new
 * event for users with 100, 1,000 and 10,000 events, what the ingest hook adds to a MovieLens
 * import, and a full recompute.
 */
export const ubspBenchTarget: BenchTarget<UbspBenchReport> = {
  name: "ubsp",
  description:
    "UBSP partitioning throughput (count/gap rules vs a bare loop), one-event appends through the database for " +
    "100/1,000/10,000-event histories, the ingest hook's cost on a MovieLens import, and a full recompute",
  configure: (cmd) =>
    cmd
      .option("--events <n>", "events in the pure throughput run", "5000000")
      .option("--appends <n>", "timed appends per history size (the median is reported)", "50")
      .option(
        "--repeat <n>",
        "MovieLens imports with and without the hook (medians), after one untimed warm-up import",
        "3",
      )
      .option("--dataset <dir>", "a MovieLens folder for the import and recompute measures", DEMO_DATASET_DIR)
      .option("--no-db", "only the pure throughput"),
  run: async (opts, log) => {
    const events = positiveInt(opts.events, "--events");
    const appends = positiveInt(opts.appends, "--appends");
    const repeat = positiveInt(opts.repeat, "--repeat");
    log(`pure partitioner: ${events.toLocaleString("en")} events...`);
    const pure = benchUbsp({ events });
    if (opts.db === false) return { pure, db: null };
    const db = await withScratchDatabase(log, () =>
      runUbspDbBench({ dataset: String(opts.dataset), repeat, histories: [100, 1_000, 10_000], appends, log }),
    );
    return { pure, db };
  },
  describe: ({ pure, db }) => {
    const n = (v: number) => v.toLocaleString("en");
    const x = (v: number) => `${v.toFixed(2)}x`;
    const lines = [
      `UBSP benchmark (${n(pure.events)} events, ${pure.users} users, Node ${pure.node})`,
      `  bare loop      ${n(pure.bareLoop.eventsPerSec)} events/s`,
      `  count rule     ${n(pure.countRule.eventsPerSec)} events/s (${x(pure.countRule.ratioToBareLoop)} of the bare loop), ${n(pure.countRule.partitions)} partitions`,
      `  gap rule       ${n(pure.gapRule.eventsPerSec)} events/s (${x(pure.gapRule.ratioToBareLoop)}), ${n(pure.gapRule.partitions)} partitions`,
      `  combined       ${n(pure.combined.eventsPerSec)} events/s (${x(pure.combined.ratioToBareLoop)}), ${n(pure.combined.partitions)} partitions`,
      ...pure.latency.map(
        (l) =>
          `  advance(1)     history ${n(l.history)}: ${l.advanceUs.toFixed(2)} us, state ${l.stateBytes} bytes (full replay ${l.fullReplayUs.toFixed(0)} us)`,
      ),
    ];
    if (db) {
      lines.push(`  database (PostgreSQL ${db.postgres}, config ${JSON.stringify(db.config)})`);
      for (const a of db.append) {
        lines.push(
          `  append 1 event history ${n(a.history).padStart(6)}: advance ${a.advanceMedianMs} ms (p90 ${a.advanceP90Ms}), ` +
            `whole transaction ${a.transactionMedianMs} ms, median of ${a.appends}`,
        );
      }
      if (db.ingestCost) {
        const c = db.ingestCost;
        lines.push(
          `  import without hook ${n(c.withoutHook.eventsPerSec)} events/s, with hook ${n(c.withHook.eventsPerSec)} events/s ` +
            `(+${c.overheadPct}% time, ${n(c.events)} events)`,
        );
      }
      if (db.recompute) {
        const r = db.recompute;
        lines.push(
          `  recompute      ${n(r.partitions)} partitions, ${n(r.users)} users, ${n(r.events)} events in ${n(r.durationMs)} ms`,
        );
      }
    }
    return lines.join("\n");
  },
};
