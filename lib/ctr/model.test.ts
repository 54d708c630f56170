import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { selectBackend } from "./backend";
import { CtrModel, DEFAULT_MODEL_CONFIG, embeddingLookup, type Backbone } from "./model";
import { makeSyntheticDataset } from "./synthetic";
import { batchInputs, partitionTensor, predict, trainModel } from "./train";
import { selectRows } from "./schema";

const small = { ...DEFAULT_MODEL_CONFIG, embedDim: 8, mlp: [16, 8], attentionMlp: [8], adaptorHidden: 8 };
const dataset = makeSyntheticDataset({ seed: 11, users: 30, samplesPerUser: 12, dim: 8 });

beforeAll(async () => {
  await selectBackend("wasm");
});

function model(backbone: Backbone, liber: boolean, seed: number) {
  return new CtrModel({ ...small, backbone, liber }, dataset.vocab, dataset.shape, dataset.partitions.dim, seed);
}

describe("embeddingLookup", () => {
  it("has tf.gather's value and a scatter-add gradient (duplicate ids summed)", () => {
    const table = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const ids = tf.tensor1d([2, 0, 2], "int32");
    expect(Array.from(embeddingLookup(table, ids).dataSync())).toEqual([5, 6, 1, 2, 5, 6]);
    const grad = tf.grad((t: tf.Tensor) =>
      tf.sum(
        tf.mul(
          embeddingLookup(t as tf.Tensor2D, ids) as tf.Tensor,
          tf.tensor2d([
            [1, 1],
            [10, 10],
            [100, 100],
          ]) as tf.Tensor,
        ),
      ),
    )(table);
    expect(Array.from(grad.dataSync())).toEqual([10, 10, 0, 0, 101, 101]);
  });
});

describe("CtrModel", () => {
  it.each(["din", "deepfm"] as const)(
    "%s: the LIBER variant reads the partition vectors, the baseline does not",
    (backbone) => {
      const batch = selectRows(dataset.test, dataset.shape, [0, 1, 2, 3, 4, 5, 6, 7]);
      const table = partitionTensor(dataset.partitions);
      const other = tf.tidy(() => tf.mul(table, -3)) as tf.Tensor2D;
      for (const liber of [false, true]) {
        const m = model(backbone, liber, 1);
        const [a, b] = tf.tidy(() => {
          const inputs = batchInputs(batch, dataset.shape);
          return [m.forward(inputs, table).logits.arraySync(), m.forward(inputs, other).logits.arraySync()];
        });
        const changed = a.some((v, i) => Math.abs(v - b[i]!) > 1e-6);
        expect(changed, `liber=${liber}`).toBe(liber);
        m.dispose();
      }
      table.dispose();
      other.dispose();
    },
  );

  it.each(["din", "deepfm"] as const)("%s with the activity feature reads the events-before count", (backbone) => {
    const rows = Array.from({ length: 8 }, (_, i) => i);
    const batch = selectRows(dataset.train, dataset.shape, rows);
    const more = { ...batch, eventsBefore: batch.eventsBefore.map((n) => n + 500) };
    const m = new CtrModel(
      { ...small, backbone, liber: false, activityFeature: true },
      dataset.vocab,
      dataset.shape,
      dataset.partitions.dim,
      1,
    );
    const [a, b] = tf.tidy(() => [
      m.forward(batchInputs(batch, dataset.shape), null).logits.arraySync(),
      m.forward(batchInputs(more, dataset.shape), null).logits.arraySync(),
    ]);
    expect(a.every(Number.isFinite)).toBe(true);
    expect(a.some((v, i) => Math.abs(v - b[i]!) > 1e-6)).toBe(true);
    m.dispose();
  });

  it("gives zero attention and a finite score to a sample without partitions", () => {
    const rows = [];
    for (let i = 0; i < dataset.train.size && rows.length < 2; i++)
      if (dataset.train.partRows[i * dataset.shape.maxPartitions] === 0) rows.push(i);
    expect(rows.length).toBeGreaterThan(0);
    const batch = selectRows(dataset.train, dataset.shape, rows);
    const table = partitionTensor(dataset.partitions);
    const m = model("din", true, 1);
    const [logits, weights] = tf.tidy(() => {
      const out = m.forward(batchInputs(batch, dataset.shape), table);
      return [out.logits.arraySync(), out.partitionWeights!.arraySync()];
    });
    expect(logits.every(Number.isFinite)).toBe(true);
    expect(weights.flat().every((w) => w === 0)).toBe(true);
    m.dispose();
    table.dispose();
  });

  it("trains reproducibly: same seed, same predictions; another seed, others; no tensor leaks", async () => {
    const before = tf.memory().numTensors;
    const table = partitionTensor(dataset.partitions);
    const run = async (seed: number) => {
      // dropout and the L2 penalty on: both must stay seeded
      const m = new CtrModel(
        { ...small, backbone: "deepfm", liber: true, liberDropout: 0.2 },
        dataset.vocab,
        dataset.shape,
        dataset.partitions.dim,
        seed,
      );
      const config = { epochs: 2, batchSize: 32, learningRate: 1e-3, patience: 1, progressEvery: 5, liberL2: 1e-4 };
      const progress: number[] = [];
      await trainModel(m, dataset.train, dataset.valid, table, config, seed, (p) => progress.push(p.loss));
      const { probabilities } = await predict(m, dataset.test, table);
      m.dispose();
      expect(progress.length).toBeGreaterThan(2);
      return Array.from(probabilities);
    };
    const a = await run(1);
    const b = await run(1);
    const c = await run(2);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    table.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
