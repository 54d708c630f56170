import { DEMO_DATASET_DIR } from "../datasets/demo";
import { runUilBench, type UilBenchResult } from "./uil";
import { positiveInt, type BenchTarget } from "./target";

/**
 * `liber bench uil`: LLM calls and prompt tokens of incremental LIBER (only newly sealed
 * partitions are summarised) versus re-summarising each user's full history at every update,
 * over MovieLens replayed in daily ticks. Pure computation: no database, no HTTP.
 */
export const uilBenchTarget: BenchTarget<UilBenchResult> = {
  name: "uil",
  description:
    "replay MovieLens in daily ticks and compare the prompt tokens of incremental LIBER (newly sealed partitions only) " +
    "with a full re-read of each user's history at every update (pure computation)",
  configure: (cmd) =>
    cmd
      .option("--dataset <dir>", "a MovieLens ml-latest folder", DEMO_DATASET_DIR)
      .option("--k <n>", "K of the count rule (partition size)", "50")
      .option("--verify-every <n>", "render every n-th full re-read in full to check the token sum", "500")
      .option("--no-tags", "replay ratings only (not tags.csv)"),
  run: async (opts, log) => {
    const maxCount = positiveInt(opts.k, "--k");
    const verifyEvery = positiveInt(opts.verifyEvery, "--verify-every");
    return runUilBench({ dataset: String(opts.dataset), maxCount, verifyEvery, tags: opts.tags !== false, log });
  },
  describe: (r) => {
    const n = (v: number) => v.toLocaleString("en");
    return [
      `UIL benchmark (${r.dataset}: ${n(r.events)} events, ${n(r.users)} users, ${n(r.ticks)} daily ticks, ${n(r.updates)} user updates; K = ${r.partitionConfig.maxCount})`,
      `  incremental LIBER  ${n(r.incremental.calls)} calls, ${n(r.incremental.promptTokens)} prompt tokens (mean ${n(r.incremental.meanPromptTokens)}, max ${n(r.incremental.maxPromptTokens)})`,
      `  full re-read       ${n(r.fullReread.calls)} calls, ${n(r.fullReread.promptTokens)} prompt tokens (mean ${n(r.fullReread.meanPromptTokens)}, max ${n(r.fullReread.maxPromptTokens)})`,
      `  ratio              ${r.ratio.promptTokens}x fewer prompt tokens, ${r.ratio.calls}x fewer calls`,
      `  goal               >= ${r.goal.promptTokenRatio}x fewer prompt tokens: ${r.goal.met ? "met" : "NOT met"}`,
      `  previous summary   ${r.previousSummary}`,
      `  token sums checked ${r.verification.exact}/${r.verification.samples} sampled full renders exact`,
      `  time               ${n(r.durationMs)} ms`,
    ].join("\n");
  },
};
