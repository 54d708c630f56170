/**
 * The browser half of `liber bench ctr`, bundled (esbuild) and run in a module Web Worker of
 * headless Chromium, like the CTR Lab's own worker: streams the samples from
 * GET /api/ctr/samples (Arrow IPC, chunked with a Content-Length) and decodes them, runs the
 * Lab's start-up backend measurement (`measureBackends`, the automatic pick), then times
 * lib/ctr training on each requested backend (webgl, wasm, cpu) with the same code as the
 * Node half (ctr-training.ts). A backend that fails is reported with its error, never faked.
 */
import * as tf from "@tensorflow/tfjs";
import { measureBackends, selectBackend, type BackendName, type BackendTiming } from "../ctr/backend";
import type { Backbone } from "../ctr/model";
import { readDatasetResponse } from "../ctr/stream-client";
import { benchDataset, benchTrainRows, fastestBackend, timeTraining, type TrainingFigure } from "./ctr-training";

export interface BrowserBenchRequest {
  backends: BackendName[];
  backbones: Backbone[];
  samples: number;
  batchSize: number;
  wasmPath: string;
  samplesUrl: string;
}

export interface BrowserBenchReport {
  userAgent: string;
  /** the WebGL renderer (e.g. SwiftShader = software) or why there is none */
  webgl: { available: boolean; renderer: string | null; version: number | null; error?: string };
  stream: {
    bytes: number;
    samples: number;
    /** request sent -> last byte received */
    transferMs: number;
    /** last byte -> decoded dataset */
    decodeMs: number;
    totalMs: number;
    samplesPerSecond: number;
  };
  autoPick: { timings: BackendTiming[]; picked: BackendName | null; ms: number };
  training: TrainingFigure[];
  failures: { backend: BackendName; error: string }[];
  fastestBackend: string | null;
  autoPickIsFastest: boolean | null;
  log: string[];
}

function webglInfo(): BrowserBenchReport["webgl"] {
  try {
    if (typeof OffscreenCanvas === "undefined")
      return { available: false, renderer: null, version: null, error: "no OffscreenCanvas" };
    const canvas = new OffscreenCanvas(1, 1);
    const gl2 = canvas.getContext("webgl2");
    const gl = gl2 ?? canvas.getContext("webgl");
    if (!gl) return { available: false, renderer: null, version: null, error: "no WebGL context" };
    const ext = gl.getExtension("WEBGL_debug_renderer_info");
    const renderer = String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
    return { available: true, renderer, version: gl2 ? 2 : 1 };
  } catch (err) {
    return { available: false, renderer: null, version: null, error: (err as Error).message };
  }
}

async function run(req: BrowserBenchRequest): Promise<BrowserBenchReport> {
  const log: string[] = [];
  const say = (line: string) => log.push(line);

  // 1. the samples stream, as the CTR Lab's worker reads it
  const t0 = performance.now();
  let lastByte = t0;
  let bytes = 0;
  const response = await fetch(req.samplesUrl);
  const streamed = await readDatasetResponse(response, (p) => {
    lastByte = performance.now();
    bytes = p.received;
  });
  const t1 = performance.now();
  const streamedSamples = streamed.train.size + streamed.valid.size + streamed.test.size;
  say(`stream: ${bytes} bytes, ${streamedSamples} samples in ${Math.round(t1 - t0)} ms`);

  // 2. the Lab's automatic pick (the same call and candidates as components/ctr/ctr-worker.ts)
  const a0 = performance.now();
  const measured = await measureBackends(["webgl", "wasm", "cpu"], { wasmPath: req.wasmPath, keep: false });
  const autoMs = performance.now() - a0;
  say(
    `auto-pick: ${measured.fastest} (${measured.timings.map((t) => `${t.backend} ${Math.round(t.samplesPerSecond)}`).join(", ")})`,
  );

  // 3. training throughput per backend, backbone and variant
  const dataset = benchDataset(req.samples);
  const train = benchTrainRows(dataset, req.samples);
  const training: TrainingFigure[] = [];
  const failures: BrowserBenchReport["failures"] = [];
  for (const backend of req.backends) {
    try {
      const active = await selectBackend(backend, req.wasmPath);
      training.push(...(await timeTraining(dataset, train, req.backbones, req.batchSize, say)));
      say(`${active}: done`);
    } catch (err) {
      failures.push({ backend, error: (err as Error).message });
      say(`${backend}: failed: ${(err as Error).message}`);
    }
  }
  const fastest = fastestBackend(training);
  return {
    userAgent: navigator.userAgent,
    webgl: webglInfo(),
    stream: {
      bytes,
      samples: streamedSamples,
      transferMs: lastByte - t0,
      decodeMs: t1 - lastByte,
      totalMs: t1 - t0,
      samplesPerSecond: streamedSamples / ((t1 - t0) / 1000),
    },
    autoPick: { timings: measured.timings, picked: measured.fastest, ms: autoMs },
    training,
    failures,
    fastestBackend: fastest,
    autoPickIsFastest: fastest && measured.fastest ? fastest === measured.fastest : null,
    log: [...log, `tfjs ${tf.version.tfjs}`],
  };
}

self.onmessage = (event: MessageEvent<BrowserBenchRequest>) => {
  run(event.data).then(
    (report) => self.postMessage({ ok: true, report }),
    (err: Error) => self.postMessage({ ok: false, error: `${err.message}\n${err.stack ?? ""}` }),
  );
};
