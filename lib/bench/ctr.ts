/**
 * CTR throughput benchmark (no database): training samples per second for each backend,
 * backbone and variant on a synthetic set shaped like ml-latest-small samples (L = 20,
 * C = 3, P = 32, D = 256, ~9.7k items), and the time to encode and decode the samples as
 * Arrow IPC (what streaming them to the browser costs on both ends, minus the network).
 */
import * as tf from "@tensorflow/tfjs";
import os from "node:os";
import { decodeDataset, encodeDataset } from "../ctr/arrow";
import { selectBackend, type BackendName } from "../ctr/backend";
import { CtrModel, DEFAULT_MODEL_CONFIG, type Backbone } from "../ctr/model";
import { makeSyntheticDataset } from "../ctr/synthetic";
import { DEFAULT_TRAIN_CONFIG, partitionTensor, trainModel } from "../ctr/train";
import { selectRows } from "../ctr/schema";

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
  training: {
    backend: string;
    backbone: Backbone;
    variant: "baseline" | "liber";
    samplesPerSecond: number;
    samples: number;
    seconds: number;
  }[];
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
  const dim = 256;
  const dataset = makeSyntheticDataset({
    seed: 1,
    users: 600,
    samplesPerUser: Math.ceil(Math.max(options.samples, 2000) / 600 / 0.8) + 2,
    dim,
    groups: 20,
    itemsPerGroup: 485,
    shape: { historyLength: 20, categoriesPerItem: 3, maxPartitions: 32 },
  });
  const train = selectRows(
    dataset.train,
    dataset.shape,
    Array.from({ length: Math.min(options.samples, dataset.train.size) }, (_, i) => i),
  );
  const training: CtrBenchResult["training"] = [];
  for (const backend of options.backends) {
    await selectBackend(backend);
    for (const backbone of options.backbones) {
      for (const variant of ["baseline", "liber"] as const) {
        const model = new CtrModel(
          { ...DEFAULT_MODEL_CONFIG, backbone, liber: variant === "liber" },
          dataset.vocab,
          dataset.shape,
          dim,
          1,
        );
        const table = partitionTensor(dataset.partitions);
        // one warm-up batch (kernel set-up, wasm memory growth) is not timed
        const warm = selectRows(
          train,
          dataset.shape,
          Array.from({ length: options.batchSize }, (_, i) => i),
        );
        await trainModel(
          model,
          warm,
          selectRows(train, dataset.shape, [0, 1]),
          table,
          { ...DEFAULT_TRAIN_CONFIG, epochs: 1, batchSize: options.batchSize },
          1,
        );
        const started = performance.now();
        const result = await trainModel(
          model,
          train,
          selectRows(train, dataset.shape, [0, 1]),
          table,
          { ...DEFAULT_TRAIN_CONFIG, epochs: 1, batchSize: options.batchSize, progressEvery: 1_000_000 },
          1,
        );
        const seconds = (performance.now() - started) / 1000;
        model.dispose();
        table.dispose();
        training.push({
          backend: tf.getBackend(),
          backbone,
          variant,
          samplesPerSecond: result.samplesPerSecond,
          samples: result.trainedSamples,
          seconds,
        });
        log(`ctr bench: ${backend} ${backbone} ${variant}: ${Math.round(result.samplesPerSecond)} samples/s`);
      }
    }
  }
  const byBackend = new Map<string, number[]>();
  for (const t of training) byBackend.set(t.backend, [...(byBackend.get(t.backend) ?? []), t.samplesPerSecond]);
  let fastestBackend: string | null = null;
  let best = -1;
  for (const [name, rates] of byBackend) {
    const mean = rates.reduce((s, v) => s + v, 0) / rates.length;
    if (mean > best) [best, fastestBackend] = [mean, name];
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
    shape: { ...dataset.shape, dim, items: dataset.vocab.items },
    batchSize: options.batchSize,
    training,
    fastestBackend,
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
