import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { selectBackend } from "./backend";
import { ctrModelArtifacts, ctrModelFiles, ctrModelFromFiles, loadCtrModel, saveCtrModel } from "./export";
import { CtrModel, DEFAULT_MODEL_CONFIG, type Backbone } from "./model";
import { makeSyntheticDataset } from "./synthetic";
import { DEFAULT_TRAIN_CONFIG, partitionTensor, predict, trainModel } from "./train";

const small = { ...DEFAULT_MODEL_CONFIG, embedDim: 8, mlp: [16, 8], attentionMlp: [8], adaptorHidden: 8 };
const dataset = makeSyntheticDataset({ seed: 5, users: 30, samplesPerUser: 12, dim: 8 });

beforeAll(async () => {
  await selectBackend("wasm");
});

async function trained(backbone: Backbone, liber: boolean) {
  const model = new CtrModel({ ...small, backbone, liber }, dataset.vocab, dataset.shape, dataset.partitions.dim, 3);
  const table = partitionTensor(dataset.partitions);
  await trainModel(
    model,
    dataset.train,
    dataset.valid,
    liber ? table : null,
    {
      ...DEFAULT_TRAIN_CONFIG,
      epochs: 2,
      batchSize: 64,
    },
    3,
  );
  return { model, table };
}

describe("CTR model download format (tfjs model.json + weights.bin)", () => {
  for (const [backbone, liber] of [
    ["deepfm", true],
    ["din", true],
    ["din", false],
  ] as const) {
    it(`${backbone} ${liber ? "+LIBER" : "baseline"}: save -> files -> load gives the same predictions`, async () => {
      const { model, table } = await trained(backbone, liber);
      const partitions = liber ? table : null;
      const before = await predict(model, dataset.test, partitions, { withWeights: true });

      let captured: tf.io.ModelArtifacts | null = null;
      await saveCtrModel(
        model,
        { vocab: dataset.vocab, seed: 3, settings: { epochs: 2 }, provenance: { configId: 7 }, metrics: { auc: 0.7 } },
        tf.io.withSaveHandler(async (a) => {
          captured = a;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
        }),
      );
      const files = ctrModelFiles(captured!, `ctr-${backbone}`);
      expect(files.weights.byteLength).toBe(model.parameterCount * 4);
      const json = JSON.parse(files.json);
      expect(json.weightsManifest[0].paths).toEqual([`./ctr-${backbone}.weights.bin`]);
      expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toContain("emb.user");
      expect(json.modelTopology).toMatchObject({
        format: "liber-ctr",
        backbone,
        variant: liber ? "liber" : "baseline",
      });
      expect(json.userDefinedMetadata).toMatchObject({ settings: { epochs: 2 }, provenance: { configId: 7 } });

      // what a user gets back from the downloaded bytes: copies, not the same buffers
      const loaded = await loadCtrModel(ctrModelFromFiles(files.json.slice(), files.weights.slice(0)));
      const after = await predict(loaded.model, dataset.test, partitions, { withWeights: true });
      expect(Array.from(after.probabilities)).toEqual(Array.from(before.probabilities));
      if (liber) expect(Array.from(after.partitionWeights!)).toEqual(Array.from(before.partitionWeights!));
      expect(loaded.metadata?.metrics).toEqual({ auc: 0.7 });

      // the check can fail: an untrained model of the same architecture predicts differently
      const fresh = new CtrModel(loaded.topology.config, dataset.vocab, dataset.shape, dataset.partitions.dim, 3);
      const untrained = await predict(fresh, dataset.test, partitions);
      expect(Array.from(untrained.probabilities)).not.toEqual(Array.from(before.probabilities));
      for (const m of [model, loaded.model, fresh]) m.dispose();
      table.dispose();
    });
  }

  it("refuses weights that do not fit the architecture", async () => {
    const { model, table } = await trained("deepfm", false);
    const artifacts = await ctrModelArtifacts(model, { vocab: dataset.vocab, seed: 3 });
    const files = ctrModelFiles(artifacts, "m");
    const json = JSON.parse(files.json);
    json.modelTopology.vocab.users += 1; // the user embedding no longer matches
    await expect(loadCtrModel(ctrModelFromFiles(JSON.stringify(json), files.weights))).rejects.toThrow(/emb\.user/);
    json.modelTopology.format = "keras";
    await expect(loadCtrModel(ctrModelFromFiles(JSON.stringify(json), files.weights))).rejects.toThrow(/liber-ctr/);
    model.dispose();
    table.dispose();
  });

  it("leaves no tensors behind", async () => {
    const { model, table } = await trained("deepfm", true);
    const start = tf.memory().numTensors;
    const artifacts = await ctrModelArtifacts(model, { vocab: dataset.vocab, seed: 3 });
    const files = ctrModelFiles(artifacts, "m");
    const loaded = await loadCtrModel(ctrModelFromFiles(files.json, files.weights));
    loaded.model.dispose();
    expect(tf.memory().numTensors).toBe(start);
    model.dispose();
    table.dispose();
  });
});
