/**
 * The timed part of `liber bench ctr`, shared by Node (lib/bench/ctr.ts) and headless
 * Chromium (lib/bench/ctr-browser-worker.ts): the synthetic set shaped like ml-latest-small
 * samples (L = 20, C = 3, P = 32, D = 256, ~9.7k items) and training samples per second of each
 * backbone and variant on the current tfjs backend, with lib/ctr's own model and training
 * loop. No Node or DOM APIs here.
 */
import * as tf from "@tensorflow/tfjs";
import { CtrModel, DEFAULT_MODEL_CONFIG, type Backbone } from "../ctr/model";
import { makeSyntheticDataset } from "../ctr/synthetic";
import { DEFAULT_TRAIN_CONFIG, partitionTensor, trainModel } from "../ctr/train";
import { selectRows, type CtrDataset, type SampleBatch } from "../ctr/schema";

export const BENCH_DIM = 256;

export interface TrainingFigure {
  backend: string;
  backbone: Backbone;
  variant: "baseline" | "liber";
  samplesPerSecond: number;
  samples: number;
  seconds: number;
}

/** The benchmark's synthetic dataset (deterministic: the same in Node and in the browser). */
export function benchDataset(samples: number): CtrDataset {
  return makeSyntheticDataset({
    seed: 1,
    users: 600,
    samplesPerUser: Math.ceil(Math.max(samples, 2000) / 600 / 0.8) + 2,
    dim: BENCH_DIM,
    groups: 20,
    itemsPerGroup: 485,
    shape: { historyLength: 20, categoriesPerItem: 3, maxPartitions: 32 },
  });
}

export function benchTrainRows(dataset: CtrDataset, samples: number): SampleBatch {
  return selectRows(
    dataset.train,
    dataset.shape,
    Array.from({ length: Math.min(samples, dataset.train.size) }, (_, i) => i),
  );
}

/**
 * Trains each (backbone, variant) for one epoch over `train` on the current backend, after one
 * untimed warm-up batch (kernel set-up, wasm memory growth, shader compilation).
 */
export async function timeTraining(
  dataset: CtrDataset,
  train: SampleBatch,
  backbones: Backbone[],
  batchSize: number,
  log: (line: string) => void = () => {},
): Promise<TrainingFigure[]> {
  const out: TrainingFigure[] = [];
  for (const backbone of backbones) {
    for (const variant of ["baseline", "liber"] as const) {
      const model = new CtrModel(
        { ...DEFAULT_MODEL_CONFIG, backbone, liber: variant === "liber" },
        dataset.vocab,
        dataset.shape,
        dataset.partitions.dim,
        1,
      );
      const table = partitionTensor(dataset.partitions);
      try {
        const tiny = selectRows(train, dataset.shape, [0, 1]);
        const warm = selectRows(
          train,
          dataset.shape,
          Array.from({ length: Math.min(batchSize, train.size) }, (_, i) => i),
        );
        await trainModel(model, warm, tiny, table, { ...DEFAULT_TRAIN_CONFIG, epochs: 1, batchSize }, 1);
        const started = performance.now();
        const result = await trainModel(
          model,
          train,
          tiny,
          table,
          { ...DEFAULT_TRAIN_CONFIG, epochs: 1, batchSize, progressEvery: 1_000_000 },
          1,
        );
        const seconds = (performance.now() - started) / 1000;
        out.push({
          backend: tf.getBackend(),
          backbone,
          variant,
          samplesPerSecond: result.samplesPerSecond,
          samples: result.trainedSamples,
          seconds,
        });
        log(`ctr bench: ${tf.getBackend()} ${backbone} ${variant}: ${Math.round(result.samplesPerSecond)} samples/s`);
      } finally {
        model.dispose();
        table.dispose();
      }
    }
  }
  return out;
}

/** The backend with the highest mean samples/s over its measurements (null when none). */
export function fastestBackend(training: TrainingFigure[]): string | null {
  const byBackend = new Map<string, number[]>();
  for (const t of training) byBackend.set(t.backend, [...(byBackend.get(t.backend) ?? []), t.samplesPerSecond]);
  let fastest: string | null = null;
  let best = -1;
  for (const [name, rates] of byBackend) {
    const mean = rates.reduce((s, v) => s + v, 0) / rates.length;
    if (mean > best) [best, fastest] = [mean, name];
  }
  return fastest;
}
