/**
 * CTR throughput benchmark (no database): training samples per second for each backend,
 * backbone and variant on a synthetic set shaped like ml-latest-small samples (L = 20,
 * C = 3, P = 32, D = 256, ~9.7k items), and the time to encode and decode the samples as
 * Arrow IPC (what streaming them to the browser costs on both ends, minus the network).
 */
import os from "node:os";
import { decodeDataset, encodeDataset } from "../ctr/arrow";
import { selectBackend, type BackendName } from "../ctr/backend";
import type { Backbone } from "../ctr/model";
import {
  BENCH_DIM,
  benchDataset,
  benchTrainRows,
  fastestBackend,
  timeTraining,
  type TrainingFigure,
} from "./ctr-training";

export interface CtrBenchOptions {
  backends: BackendName[];
  backbones: Backbone[];
  /** training samples timed per (backend, backbone, variant) */
  samples: number;
  batchSize: number;
  log?: (line: string) => void;
}

export interface CtrBenchResult {
  machine: { cpus: number; loadAverage: number[]; node: string };
  shape: { historyLength: number; categoriesPerItem: number; maxPartitions: number; dim: number; items: number };
  batchSize: number;
  training: TrainingFigure[];
  fastestBackend: string | null;
  arrow: {
    samples: number;
    bytes: number;
    encodeMs: number;
    decodeMs: number;
    samplesPerSecondEncode: number;
    samplesPerSecondDecode: number;
  };
}

export async function runCtrBench(options: CtrBenchOptions): Promise<CtrBenchResult> {
  const log = options.log ?? (() => {});
  const dataset = benchDataset(options.samples);
  const train = benchTrainRows(dataset, options.samples);
  const training: CtrBenchResult["training"] = [];
  for (const backend of options.backends) {
    await selectBackend(backend);
    training.push(...(await timeTraining(dataset, train, options.backbones, options.batchSize, log)));
  }
  const encodeStart = performance.now();
  const bytes = encodeDataset(dataset);
  const encodeMs = performance.now() - encodeStart;
  const decodeStart = performance.now();
  const back = decodeDataset(bytes);
  const decodeMs = performance.now() - decodeStart;
  const total = back.train.size + back.valid.size + back.test.size;
  return {
    machine: {
      cpus: os.cpus().length,
      loadAverage: os.loadavg().map((v) => Math.round(v * 100) / 100),
      node: process.version,
    },
    shape: { ...dataset.shape, dim: BENCH_DIM, items: dataset.vocab.items },
    batchSize: options.batchSize,
    training,
    fastestBackend: fastestBackend(training),
    arrow: {
      samples: total,
      bytes: bytes.length,
      encodeMs,
      decodeMs,
      samplesPerSecondEncode: total / (encodeMs / 1000),
      samplesPerSecondDecode: total / (decodeMs / 1000),
    },
  };
}
