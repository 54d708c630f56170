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
/** the variants of an evaluation: "control" = the LIBER architecture fed another user's partitions */
export type EvalVariant = Variant | "control";

export interface CtrEvalOptions {
  dataset: CtrDataset;
  backbone: Backbone;
  /** seeds to run (or a count n: seeds 1..n) */
  seeds: number[] | number;
  model?: Partial<Omit<ModelConfig, "backbone" | "liber">>;
  train?: Partial<TrainConfig>;
  onProgress?: (p: TrainProgress & { seed: number; variant: Variant }) => void;
  /**
   * The control of issue 13 item 7: the same samples with each user's partitions replaced by
   * another user's (lib/ctr/samples.ts partitionDonors). Trained with the LIBER architecture,
   * the same seeds, data order and initial weights; reported as `control` and `liberMinusControl`.
   */
  controlDataset?: CtrDataset;
  onControlProgress?: (p: TrainProgress & { seed: number; variant: "control" }) => void;
  /**
   * The split the metrics are computed on: "test" (the report) or "valid" (for choosing
   * settings without looking at the test split; early stopping also reads the validation split,
   * so these figures are optimistic, but equally for every variant).
   */
  evaluateOn?: "test" | "valid";
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
  bestValidAuc: number;
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
  control?: { auc: number };
  liberMinusControl?: PairedDifference;
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
  control?: VariantSummary;
  /** LIBER minus the shuffled control (paired by seed): the part of the lift the user's own partitions bring */
  liberMinusControl?: { auc: PairedDifference; logloss: PairedDifference; gauc: PairedDifference };
  /** "control - baseline": what the extra branch brings with another user's partitions */
  controlLift?: { auc: PairedDifference; logloss: PairedDifference; gauc: PairedDifference };
  /** the split the metrics were computed on */
  split: "test" | "valid";
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
  const split = options.evaluateOn ?? "test";
  const test = split === "valid" ? dataset.valid : dataset.test;
  const control = options.controlDataset;
  if (control) {
    const same = (a: CtrDataset["train"], b: CtrDataset["train"]) =>
      a.size === b.size && a.label.every((v, i) => v === b.label[i]) && a.ts.every((v, i) => v === b.ts[i]);
    if (!same(dataset.train, control.train) || !same(dataset.valid, control.valid) || !same(dataset.test, control.test))
      throw new Error("the control dataset must hold the same samples in the same order");
  }
  const variants: EvalVariant[] = control ? ["baseline", "liber", "control"] : ["baseline", "liber"];
  const sliceRows = HISTORY_SLICES.map((s) => {
    const rows: number[] = [];
    for (let i = 0; i < test.size; i++)
      if (test.eventsBefore[i]! >= s.min && test.eventsBefore[i]! < s.max) rows.push(i);
    return rows;
  });
  const perSeed: Record<EvalVariant, SeedMetrics[]> = { baseline: [], liber: [], control: [] };
  const sliceAuc: Record<EvalVariant, number[][]> = {
    baseline: sliceRows.map(() => []),
    liber: sliceRows.map(() => []),
    control: sliceRows.map(() => []),
  };
  let roc: CtrEvalResult["roc"];
  const partitions = partitionTensor(dataset.partitions);
  const controlPartitions = control ? partitionTensor(control.partitions) : null;
  try {
    for (const seed of seeds) {
      const probsBySeed: Partial<Record<EvalVariant, Float32Array>> = {};
      for (const variant of variants) {
        const data = variant === "control" ? control! : dataset;
        const evalSet = split === "valid" ? data.valid : data.test;
        const model = new CtrModel(
          { ...modelConfig, backbone, liber: variant !== "baseline" },
          data.vocab,
          data.shape,
          data.partitions.dim,
          seed,
        );
        try {
          const table = variant === "baseline" ? null : variant === "control" ? controlPartitions : partitions;
          const trained = await trainModel(model, data.train, data.valid, table, trainConfig, seed, (p) =>
            variant === "control"
              ? options.onControlProgress?.({ ...p, seed, variant })
              : options.onProgress?.({ ...p, seed, variant }),
          );
          const { probabilities } = await predict(model, evalSet, table);
          probsBySeed[variant] = probabilities;
          perSeed[variant].push({
            seed,
            auc: auc(test.label, probabilities),
            logloss: logloss(test.label, probabilities),
            gauc: gauc(test.label, probabilities, test.userKey).gauc,
            bestEpoch: trained.bestEpoch,
            bestValidAuc: trained.bestValidAuc,
            samplesPerSecond: trained.samplesPerSecond,
            epochs: trained.epochs,
          });
          if (variant !== "control")
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
    controlPartitions?.dispose();
  }
  const baseline = summarise(perSeed.baseline);
  const liber = summarise(perSeed.liber);
  const controlSummary = control ? summarise(perSeed.control) : undefined;
  const diff = (a: VariantSummary, b: VariantSummary) => {
    const metric = (key: "auc" | "logloss" | "gauc") =>
      pairedDifference(
        a.perSeed.map((s) => s[key]),
        b.perSeed.map((s) => s[key]),
      );
    return { auc: metric("auc"), logloss: metric("logloss"), gauc: metric("gauc") };
  };
  return {
    backbone,
    seeds,
    samples: { train: dataset.train.size, valid: dataset.valid.size, test: dataset.test.size },
    modelConfig,
    trainConfig,
    baseline,
    liber,
    lift: diff(baseline, liber),
    control: controlSummary,
    liberMinusControl: controlSummary ? diff(controlSummary, liber) : undefined,
    controlLift: controlSummary ? diff(baseline, controlSummary) : undefined,
    split,
    slices: HISTORY_SLICES.map((s, k) => {
      const rows = sliceRows[k]!;
      return {
        name: s.name,
        samples: rows.length,
        positives: rows.reduce((n, r) => n + (test.label[r]! > 0.5 ? 1 : 0), 0),
        baseline: { auc: mean(sliceAuc.baseline[k]!) },
        liber: { auc: mean(sliceAuc.liber[k]!) },
        lift: pairedDifference(sliceAuc.baseline[k]!, sliceAuc.liber[k]!),
        ...(control
          ? {
              control: { auc: mean(sliceAuc.control[k]!) },
              liberMinusControl: pairedDifference(sliceAuc.control[k]!, sliceAuc.liber[k]!),
            }
          : {}),
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
    perSeed: v.perSeed.map(({ seed, auc, logloss, gauc, bestEpoch, bestValidAuc, samplesPerSecond }) => ({
      seed,
      auc,
      logloss,
      gauc,
      bestEpoch,
      bestValidAuc,
      samplesPerSecond,
    })),
  });
  const diff = (d: PairedDifference) => ({ mean: d.mean, ci95: d.ci95, sd: d.sd, n: d.n });
  const diffs = (d: CtrEvalResult["lift"]) => ({ auc: diff(d.auc), logloss: diff(d.logloss), gauc: diff(d.gauc) });
  return {
    backbone: r.backbone,
    seeds: r.seeds,
    split: r.split,
    samples: r.samples,
    baseline: variant(r.baseline),
    liber: variant(r.liber),
    lift: diffs(r.lift),
    ...(r.control && r.liberMinusControl && r.controlLift
      ? {
          control: variant(r.control),
          liberMinusControl: diffs(r.liberMinusControl),
          controlLift: diffs(r.controlLift),
        }
      : {}),
    slices: r.slices.map((s) => ({
      name: s.name,
      samples: s.samples,
      positives: s.positives,
      baseline: s.baseline,
      liber: s.liber,
      lift: diff(s.lift),
      ...(s.control && s.liberMinusControl ? { control: s.control, liberMinusControl: diff(s.liberMinusControl) } : {}),
    })),
    backend: r.backend,
    seconds: r.seconds,
  };
}
