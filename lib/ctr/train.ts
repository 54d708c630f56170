/**
 * Training and prediction for CtrModel: Adam on the mean sigmoid cross-entropy, seeded data
 * order, early stopping on validation AUC (the best epoch's weights are restored), progress
 * callbacks per epoch and every N batches. Every step runs inside tf.tidy; the only tensors
 * that outlive a call are the model's variables, the optimizer's slots (disposed at the end)
 * and the partition table (owned by the caller).
 */
import * as tf from "@tensorflow/tfjs";
import { auc, logloss } from "./metrics";
import { CtrModel, uniquePartitionRows, type BatchInputs } from "./model";
import { permutation } from "./random";
import { selectRows, type CtrShape, type PartitionTable, type SampleBatch } from "./schema";

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** epochs without a better validation AUC before stopping */
  patience: number;
  /** report progress every this many batches */
  progressEvery: number;
  /** L2 penalty on the LIBER branch's weight matrices (0: none) */
  liberL2: number;
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  epochs: 5,
  batchSize: 256,
  learningRate: 1e-3,
  patience: 1,
  progressEvery: 50,
  liberL2: 0,
};

export interface TrainProgress {
  epoch: number;
  batch: number;
  batches: number;
  /** mean training loss over the batches since the last report */
  loss: number;
  /** set at the end of an epoch */
  validAuc?: number;
  validLogloss?: number;
  samplesPerSecond: number;
  done?: boolean;
}

export interface EpochLog {
  epoch: number;
  trainLoss: number;
  validAuc: number;
  validLogloss: number;
  seconds: number;
}

export interface TrainResult {
  epochs: EpochLog[];
  bestEpoch: number;
  bestValidAuc: number;
  samplesPerSecond: number;
  trainedSamples: number;
}

export function batchInputs(batch: SampleBatch, shape: CtrShape): BatchInputs {
  const B = batch.size;
  const { historyLength: L, categoriesPerItem: C, maxPartitions: P } = shape;
  const { unique, local } = uniquePartitionRows(batch.partRows);
  return {
    user: tf.tensor1d(batch.user, "int32"),
    item: tf.tensor1d(batch.item, "int32"),
    itemCats: tf.tensor2d(batch.itemCats, [B, C], "int32"),
    histItems: tf.tensor2d(batch.histItems, [B, L], "int32"),
    histCats: tf.tensor3d(batch.histCats, [B, L, C], "int32"),
    partRows: tf.tensor2d(batch.partRows, [B, P], "int32"),
    partAgeDays: tf.tensor2d(batch.partAgeDays, [B, P], "float32"),
    partUnique: tf.tensor1d(unique, "int32"),
    partLocal: tf.tensor2d(local, [B, P], "int32"),
    eventsBefore: tf.tensor1d(Float32Array.from(batch.eventsBefore), "float32"),
  };
}

export function partitionTensor(table: PartitionTable): tf.Tensor2D {
  return tf.tensor2d(table.vectors, [table.size, table.dim], "float32");
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export interface PredictOutput {
  probabilities: Float32Array;
  /** [size x P] attention over partitions (LIBER variant, when asked) */
  partitionWeights?: Float32Array;
}

export async function predict(
  model: CtrModel,
  samples: SampleBatch,
  partitions: tf.Tensor2D | null,
  options: { chunk?: number; withWeights?: boolean } = {},
): Promise<PredictOutput> {
  const chunk = options.chunk ?? 2048;
  const probabilities = new Float32Array(samples.size);
  const P = model.shape.maxPartitions;
  const weights = options.withWeights && model.config.liber ? new Float32Array(samples.size * P) : undefined;
  for (let start = 0; start < samples.size; start += chunk) {
    const rows = Array.from({ length: Math.min(chunk, samples.size - start) }, (_, i) => start + i);
    const part = selectRows(samples, model.shape, rows);
    const { probs, w } = tf.tidy(() => {
      const out = model.forward(batchInputs(part, model.shape), partitions);
      const kept: { probs: tf.Tensor; w?: tf.Tensor } = { probs: tf.sigmoid(out.logits) };
      if (weights) kept.w = out.partitionWeights!;
      return kept as unknown as tf.TensorContainer;
    }) as unknown as { probs: tf.Tensor; w?: tf.Tensor };
    probabilities.set(await probs.data(), start);
    probs.dispose();
    if (w && weights) {
      weights.set(await w.data(), start * P);
      w.dispose();
    }
  }
  return { probabilities, partitionWeights: weights };
}

export async function evaluate(model: CtrModel, samples: SampleBatch, partitions: tf.Tensor2D | null) {
  const { probabilities } = await predict(model, samples, partitions);
  return { auc: auc(samples.label, probabilities), logloss: logloss(samples.label, probabilities), probabilities };
}

/**
 * Train `model` on `train`, early-stopping on `valid` AUC. The data order of epoch e is the
 * permutation seeded by (seed, e): both variants of one seed see the same batches.
 */
export async function trainModel(
  model: CtrModel,
  train: SampleBatch,
  valid: SampleBatch,
  partitions: tf.Tensor2D | null,
  config: TrainConfig,
  seed: number,
  onProgress?: (p: TrainProgress) => void,
): Promise<TrainResult> {
  const optimizer = tf.train.adam(config.learningRate);
  const variables = model.variables;
  const penalised = model.liberWeights;
  const epochs: EpochLog[] = [];
  let best: { auc: number; epoch: number; weights: Map<string, tf.Tensor> } | null = null;
  let stale = 0;
  let trainedSamples = 0;
  let trainSeconds = 0;
  const batches = Math.ceil(train.size / config.batchSize);
  try {
    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      const order = permutation(train.size, seed * 1000 + epoch);
      const started = performance.now();
      let lossSum = 0;
      let lossCount = 0;
      let windowSum = 0;
      let windowCount = 0;
      for (let b = 0; b < batches; b++) {
        const rows = order.subarray(b * config.batchSize, Math.min(train.size, (b + 1) * config.batchSize));
        const batch = selectRows(train, model.shape, rows);
        const loss = tf.tidy(() => {
          const inputs = batchInputs(batch, model.shape);
          const labels = tf.tensor1d(batch.label, "float32");
          const dropoutSeed = seed * 1_000_003 + epoch * 10_007 + b;
          return optimizer.minimize(
            () => {
              const logits = model.forward(inputs, partitions, { training: true, dropoutSeed }).logits;
              const loss = tf.losses.sigmoidCrossEntropy(labels, logits) as tf.Scalar;
              if (!(config.liberL2 > 0) || penalised.length === 0) return loss;
              return tf.add(
                loss,
                tf.mul(config.liberL2, tf.addN(penalised.map((w) => tf.sum(tf.square(w))))),
              ) as tf.Scalar;
            },
            true,
            variables,
          )!;
        });
        const value = (await loss.data())[0]!;
        loss.dispose();
        lossSum += value;
        lossCount++;
        windowSum += value;
        windowCount++;
        trainedSamples += batch.size;
        if (onProgress && ((b + 1) % config.progressEvery === 0 || b === batches - 1)) {
          const seconds = trainSeconds + (performance.now() - started) / 1000;
          onProgress({
            epoch,
            batch: b + 1,
            batches,
            loss: windowSum / windowCount,
            samplesPerSecond: trainedSamples / seconds,
          });
          windowSum = 0;
          windowCount = 0;
          await yieldToEventLoop();
        }
      }
      trainSeconds += (performance.now() - started) / 1000;
      const validation = await evaluate(model, valid, partitions);
      const log: EpochLog = {
        epoch,
        trainLoss: lossSum / Math.max(1, lossCount),
        validAuc: validation.auc,
        validLogloss: validation.logloss,
        seconds: (performance.now() - started) / 1000,
      };
      epochs.push(log);
      onProgress?.({
        epoch,
        batch: batches,
        batches,
        loss: log.trainLoss,
        validAuc: log.validAuc,
        validLogloss: log.validLogloss,
        samplesPerSecond: trainedSamples / trainSeconds,
      });
      const improved = !best || validation.auc > best.auc || (Number.isNaN(best.auc) && !Number.isNaN(validation.auc));
      if (improved) {
        if (best) best.weights.forEach((t) => t.dispose());
        best = { auc: validation.auc, epoch, weights: model.snapshot() };
        stale = 0;
      } else if (++stale >= config.patience) {
        break;
      }
    }
    if (best) model.restore(best.weights);
    return {
      epochs,
      bestEpoch: best?.epoch ?? 0,
      bestValidAuc: best?.auc ?? NaN,
      samplesPerSecond: trainedSamples / Math.max(trainSeconds, 1e-9),
      trainedSamples,
    };
  } finally {
    best?.weights.forEach((t) => t.dispose());
    optimizer.dispose();
  }
}
