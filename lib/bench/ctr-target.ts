import type { BackendName } from "../ctr/backend";
import type { CtrBenchResult } from "./ctr";
import type { Backbone } from "../ctr/model";
import { BenchOptionError, type BenchTarget } from "./target";

/**
 * `liber bench ctr`: CTR training samples/s per tfjs backend in Node (wasm, cpu), backbone
 * and variant, and Arrow IPC encode/decode time of the samples. No database needed. The
 * browser part (webgl/wasm/cpu in headless Chromium) is not built yet.
 */
export const ctrBenchTarget: BenchTarget<CtrBenchResult> = {
  name: "ctr",
  description:
    "CTR training samples/s per tfjs backend (Node: wasm, cpu) for DIN and DeepFM with and without LIBER, and Arrow IPC encode/decode",
  configure: (cmd) =>
    cmd
      .option("--backends <list>", "comma-separated: wasm,cpu", "wasm,cpu")
      .option("--backbones <list>", "comma-separated: din,deepfm", "din,deepfm")
      .option("--samples <n>", "timed training samples per measurement", "4096")
      .option("--batch-size <n>", "batch size", "256"),
  run: async (opts, log) => {
    const backends = String(opts.backends)
      .split(",")
      .map((s) => s.trim()) as BackendName[];
    for (const b of backends)
      if (b !== "wasm" && b !== "cpu")
        throw new BenchOptionError(`--backends: ${b} is not available in Node (wasm, cpu)`);
    const backbones = String(opts.backbones)
      .split(",")
      .map((s) => s.trim()) as Backbone[];
    for (const b of backbones)
      if (b !== "din" && b !== "deepfm") throw new BenchOptionError(`--backbones: unknown ${b}`);
    const samples = Number(opts.samples);
    const batchSize = Number(opts.batchSize);
    if (!Number.isInteger(samples) || samples < 1 || !Number.isInteger(batchSize) || batchSize < 1)
      throw new BenchOptionError("--samples and --batch-size must be positive integers");
    const { runCtrBench } = await import("./ctr");
    return runCtrBench({ backends, backbones, samples, batchSize, log });
  },
  describe: (r) =>
    [
      `ctr benchmark (${r.machine.cpus} CPUs, load ${r.machine.loadAverage.join(" ")}, batch ${r.batchSize}, L=${r.shape.historyLength} P=${r.shape.maxPartitions} D=${r.shape.dim})`,
      ...r.training.map(
        (t) =>
          `  ${t.backend.padEnd(5)} ${t.backbone.padEnd(7)} ${t.variant.padEnd(9)} ${Math.round(t.samplesPerSecond).toLocaleString("en")} samples/s`,
      ),
      `  fastest backend: ${r.fastestBackend}`,
      `  arrow: ${r.arrow.samples.toLocaleString("en")} samples, ${(r.arrow.bytes / 1e6).toFixed(1)} MB, encode ${Math.round(r.arrow.encodeMs)} ms, decode ${Math.round(r.arrow.decodeMs)} ms`,
    ].join("\n"),
};
