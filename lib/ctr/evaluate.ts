/**
 * runCtrEval: train a backbone without and with the LIBER branch on identical samples, for
 * several seeds, and report test AUC / LogLoss / gAUC per variant, the LIBER-minus-baseline
 * lift with a 95% t-interval over seeds, and the same by history-length slice. The same code
 * runs in Node (CLI, benchmark) and in the browser's worker.
 */
import * as tf from "@tensorflow/tfjs";
import { auc, gauc, logloss, mean, pairedDifference, rocCurve, type PairedDifference, type RocPoint } from "./metrics";
import { CtrModel, DEFAULT_MODEL_CONFIG, type Backbone, type ModelConfig } from "./model";
import { HISTORY_SLICES, type CtrDataset } from "./schema";
import {
  DEFAULT_TRAIN_CONFIG,
  partitionTensor,
  predict,
  trainModel,
  type EpochLog,
  type TrainConfig,
  type TrainProgress,
} from "./train";

export type Variant = "baseline" | "liber";

export interface CtrEvalOptions {
  dataset: CtrDataset;
  backbone: Backbone;
  /** seeds to run (or a count n: seeds 1..n) */
  seeds: number[] | number;
  model?: Partial<Omit<ModelConfig, "backbone" | "liber">>;
  train?: Partial<TrainConfig>;
  onProgress?: (p: TrainProgress & { seed: number; variant: Variant }) => void;
  /** keep ROC points of the first seed (for charts) */
  withRoc?: boolean;
  /** called with each trained model before it is disposed (the CTR Lab explains predictions with it) */
  onTrained?: (t: {
    variant: Variant;
    seed: number;
    model: CtrModel;
    partitions: tf.Tensor2D | null;
    testProbabilities: Float32Array;
  }) => Promise<void>;
}

export interface SeedMetrics {
  seed: number;
  auc: number;
  logloss: number;
  gauc: number;
  bestEpoch: number;
  samplesPerSecond: number;
  epochs: EpochLog[];
}

export interface VariantSummary {
  auc: number;
  logloss: number;
  gauc: number;
  perSeed: SeedMetrics[];
}

export interface SliceResult {
  name: string;
  samples: number;
  positives: number;
  baseline: { auc: number };
  liber: { auc: number };
  lift: PairedDifference;
}

export interface CtrEvalResult {
  backbone: Backbone;
  seeds: number[];
  samples: { train: number; valid: number; test: number };
  modelConfig: Omit<ModelConfig, "backbone" | "liber">;
  trainConfig: TrainConfig;
  baseline: VariantSummary;
  liber: VariantSummary;
  lift: { auc: PairedDifference; logloss: PairedDifference; gauc: PairedDifference };
  slices: SliceResult[];
  roc?: { baseline: RocPoint[]; liber: RocPoint[] };
  backend: string;
  seconds: number;
}

function summarise(perSeed: SeedMetrics[]): VariantSummary {
  return {
    auc: mean(perSeed.map((s) => s.auc)),
    logloss: mean(perSeed.map((s) => s.logloss)),
    gauc: mean(perSeed.map((s) => s.gauc)),
    perSeed,
  };
}

export async function runCtrEval(options: CtrEvalOptions): Promise<CtrEvalResult> {
  const started = performance.now();
  const { dataset, backbone } = options;
  const seeds =
    typeof options.seeds === "number" ? Array.from({ length: options.seeds }, (_, i) => i + 1) : options.seeds;
  if (seeds.length === 0) throw new Error("at least one seed");
  if (dataset.train.size === 0 || dataset.test.size === 0) throw new Error("empty train or test split");
  const modelConfig = { ...DEFAULT_MODEL_CONFIG, ...options.model };
  const trainConfig = { ...DEFAULT_TRAIN_CONFIG, ...options.train };
  const test = dataset.test;
  const sliceRows = HISTORY_SLICES.map((s) => {
    const rows: number[] = [];
    for (let i = 0; i < test.size; i++)
      if (test.eventsBefore[i]! >= s.min && test.eventsBefore[i]! < s.max) rows.push(i);
    return rows;
  });
  const perSeed: Record<Variant, SeedMetrics[]> = { baseline: [], liber: [] };
  const sliceAuc: Record<Variant, number[][]> = { baseline: sliceRows.map(() => []), liber: sliceRows.map(() => []) };
  let roc: CtrEvalResult["roc"];
  const partitions = partitionTensor(dataset.partitions);
  try {
    for (const seed of seeds) {
      const probsBySeed: Partial<Record<Variant, Float32Array>> = {};
      for (const variant of ["baseline", "liber"] as const) {
        const model = new CtrModel(
          { ...modelConfig, backbone, liber: variant === "liber" },
          dataset.vocab,
          dataset.shape,
          dataset.partitions.dim,
          seed,
        );
        try {
          const table = variant === "liber" ? partitions : null;
          const trained = await trainModel(model, dataset.train, dataset.valid, table, trainConfig, seed, (p) =>
            options.onProgress?.({ ...p, seed, variant }),
          );
          const { probabilities } = await predict(model, test, table);
          probsBySeed[variant] = probabilities;
          perSeed[variant].push({
            seed,
            auc: auc(test.label, probabilities),
            logloss: logloss(test.label, probabilities),
            gauc: gauc(test.label, probabilities, test.userKey).gauc,
            bestEpoch: trained.bestEpoch,
            samplesPerSecond: trained.samplesPerSecond,
            epochs: trained.epochs,
          });
          await options.onTrained?.({ variant, seed, model, partitions: table, testProbabilities: probabilities });
          sliceRows.forEach((rows, k) => {
            sliceAuc[variant][k]!.push(
              auc(
                rows.map((r) => test.label[r]!),
                rows.map((r) => probabilities[r]!),
              ),
            );
          });
        } finally {
          model.dispose();
        }
      }
      if (options.withRoc && !roc) {
        roc = {
          baseline: rocCurve(test.label, probsBySeed.baseline!),
          liber: rocCurve(test.label, probsBySeed.liber!),
        };
      }
    }
  } finally {
    partitions.dispose();
  }
  const baseline = summarise(perSeed.baseline);
  const liber = summarise(perSeed.liber);
  const metric = (key: "auc" | "logloss" | "gauc") =>
    pairedDifference(
      baseline.perSeed.map((s) => s[key]),
      liber.perSeed.map((s) => s[key]),
    );
  return {
    backbone,
    seeds,
    samples: { train: dataset.train.size, valid: dataset.valid.size, test: test.size },
    modelConfig,
    trainConfig,
    baseline,
    liber,
    lift: { auc: metric("auc"), logloss: metric("logloss"), gauc: metric("gauc") },
    slices: HISTORY_SLICES.map((s, k) => {
      const rows = sliceRows[k]!;
      return {
        name: s.name,
        samples: rows.length,
        positives: rows.reduce((n, r) => n + (test.label[r]! > 0.5 ? 1 : 0), 0),
        baseline: { auc: mean(sliceAuc.baseline[k]!) },
        liber: { auc: mean(sliceAuc.liber[k]!) },
        lift: pairedDifference(sliceAuc.baseline[k]!, sliceAuc.liber[k]!),
      };
    }),
    roc,
    backend: tf.getBackend(),
    seconds: (performance.now() - started) / 1000,
  };
}

/** The command line / API shape: `{baseline:{auc,logloss,gauc}, liber:{...}, lift:{...}, slices:[...]}`. */
export function compactResult(r: CtrEvalResult) {
  const variant = (v: VariantSummary) => ({
    auc: v.auc,
    logloss: v.logloss,
    gauc: v.gauc,
    perSeed: v.perSeed.map(({ seed, auc, logloss, gauc, bestEpoch }) => ({ seed, auc, logloss, gauc, bestEpoch })),
  });
  const diff = (d: PairedDifference) => ({ mean: d.mean, ci95: d.ci95, sd: d.sd, n: d.n });
  return {
    backbone: r.backbone,
    seeds: r.seeds,
    samples: r.samples,
    baseline: variant(r.baseline),
    liber: variant(r.liber),
    lift: { auc: diff(r.lift.auc), logloss: diff(r.lift.logloss), gauc: diff(r.lift.gauc) },
    slices: r.slices.map((s) => ({
      name: s.name,
      samples: s.samples,
      positives: s.positives,
      baseline: s.baseline,
      liber: s.liber,
      lift: diff(s.lift),
    })),
    backend: r.backend,
    seconds: r.seconds,
  };
}
