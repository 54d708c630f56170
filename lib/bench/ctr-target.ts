import type { BackendName } from "../ctr/backend";
import type { Backbone } from "../ctr/model";
import type { BrowserBenchResult } from "./ctr-browser";
import type { CtrBenchResult } from "./ctr";
import { BenchOptionError, type BenchTarget } from "./target";

export interface CtrBenchOutput {
  node: CtrBenchResult | null;
  /** null with --no-browser */
  browser: BrowserBenchResult | null;
}

function list<T extends string>(raw: unknown, flag: string, allowed: readonly T[]): T[] {
  const items = String(raw)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const b of items)
    if (!allowed.includes(b as T)) throw new BenchOptionError(`${flag}: ${b} is not one of ${allowed.join(", ")}`);
  if (items.length === 0) throw new BenchOptionError(`${flag}: empty`);
  return items as T[];
}

function count(raw: unknown, flag: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new BenchOptionError(`${flag} must be a positive integer`);
  return n;
}

const rate = (n: number) => Math.round(n).toLocaleString("en");

/**
 * `liber bench ctr`: CTR training samples/s per tfjs backend, backbone and variant in Node
 * (wasm, cpu) and in headless Chromium (webgl, wasm, cpu; lib/bench/ctr-browser.ts), the
 * samples' Arrow IPC encode/decode in Node and their stream + decode in the browser, and
 * whether the CTR Lab's automatic backend pick is the fastest backend measured. No database.
 */
export const ctrBenchTarget: BenchTarget<CtrBenchOutput> = {
  name: "ctr",
  description:
    "CTR training samples/s per tfjs backend in Node (wasm, cpu) and headless Chromium (webgl, wasm, cpu), DIN and DeepFM with and without LIBER; Arrow samples stream/decode; the auto-picked backend vs the fastest",
  configure: (cmd) =>
    cmd
      .option("--backends <list>", "Node backends, comma-separated: wasm,cpu", "wasm,cpu")
      .option("--backbones <list>", "comma-separated: din,deepfm", "din,deepfm")
      .option("--samples <n>", "timed training samples per measurement (Node)", "4096")
      .option("--batch-size <n>", "batch size", "256")
      .option("--no-node", "skip the Node part")
      .option("--no-browser", "skip the headless Chromium part")
      .option("--browser-backends <list>", "browser backends, comma-separated: webgl,wasm,cpu", "webgl,wasm,cpu")
      .option("--browser-samples <n>", "timed training samples per measurement in the browser", "1024"),
  run: async (opts, log) => {
    const backbones = list<Backbone>(opts.backbones, "--backbones", ["din", "deepfm"]);
    const batchSize = count(opts.batchSize, "--batch-size");
    let node: CtrBenchResult | null = null;
    let browser: BrowserBenchResult | null = null;
    if (opts.node !== false) {
      const backends = list<BackendName>(opts.backends, "--backends", ["wasm", "cpu"]);
      const { runCtrBench } = await import("./ctr");
      node = await runCtrBench({ backends, backbones, samples: count(opts.samples, "--samples"), batchSize, log });
    }
    if (opts.browser !== false) {
      const backends = list<BackendName>(opts.browserBackends, "--browser-backends", ["webgl", "wasm", "cpu"]);
      const { runBrowserCtrBench } = await import("./ctr-browser");
      browser = await runBrowserCtrBench({
        backends,
        backbones,
        samples: count(opts.browserSamples, "--browser-samples"),
        batchSize,
        log,
      });
    }
    return { node, browser };
  },
  describe: ({ node: r, browser: b }) =>
    [
      ...(r
        ? [
            `ctr benchmark, Node (${r.machine.cpus} CPUs, load ${r.machine.loadAverage.join(" ")}, batch ${r.batchSize}, L=${r.shape.historyLength} P=${r.shape.maxPartitions} D=${r.shape.dim})`,
            ...r.training.map(
              (t) =>
                `  ${t.backend.padEnd(5)} ${t.backbone.padEnd(7)} ${t.variant.padEnd(9)} ${rate(t.samplesPerSecond)} samples/s`,
            ),
            `  fastest backend: ${r.fastestBackend}`,
            `  arrow: ${r.arrow.samples.toLocaleString("en")} samples, ${(r.arrow.bytes / 1e6).toFixed(1)} MB, encode ${Math.round(r.arrow.encodeMs)} ms, decode ${Math.round(r.arrow.decodeMs)} ms`,
          ]
        : []),
      ...(b
        ? [
            `ctr benchmark, headless Chromium ${b.browser.version} (load ${b.machine.loadAverageBefore.join(" ")} -> ${b.machine.loadAverageAfter.join(" ")}, ${b.samples} samples per measurement)`,
            `  webgl: ${b.webgl.available ? `${b.webgl.renderer} (WebGL ${b.webgl.version})` : `unavailable (${b.webgl.error})`}`,
            ...b.training.map(
              (t) =>
                `  ${t.backend.padEnd(5)} ${t.backbone.padEnd(7)} ${t.variant.padEnd(9)} ${rate(t.samplesPerSecond)} samples/s`,
            ),
            ...b.failures.map((f) => `  ${f.backend}: failed: ${f.error}`),
            `  samples stream: ${b.stream.samples.toLocaleString("en")} samples, ${(b.stream.bytes / 1e6).toFixed(1)} MB, transfer ${Math.round(b.stream.transferMs)} ms + decode ${Math.round(b.stream.decodeMs)} ms`,
            `  auto-pick (the CTR Lab's start-up probe): ${b.autoPick.picked} (${b.autoPick.timings.map((t) => `${t.backend} ${t.error ? "failed" : rate(t.samplesPerSecond)}`).join(", ")}); fastest measured: ${b.fastestBackend}; ${b.autoPickIsFastest === null ? "no comparison" : b.autoPickIsFastest ? "the pick is the fastest" : "the pick is NOT the fastest"}`,
          ]
        : []),
    ].join("\n"),
};
