/**
 * Saving and loading a trained CtrModel in TensorFlow.js' model format (model.json +
 * weights.bin, what tf.io.browserDownloads writes), so a model trained in the CTR Lab can be
 * downloaded and loaded again (here with `loadCtrModel`, or read by any tfjs tooling:
 * `tf.io.decodeWeights` gives the named tensors).
 *
 * The models are built from tfjs core ops, not tf.layers, so there is no Keras topology:
 * `modelTopology` is this module's own manifest (format "liber-ctr", backbone, variant, the
 * model config, vocabulary sizes, sample shape, partition dimension) and every weight is
 * stored under its parameter name ("emb.user", "deepfm.mlp.0.w", ...) with its shape.
 * `userDefinedMetadata` carries what produced it: training settings, the samples'
 * provenance (partition config, prompt, encoder versions, label rule, cutoffs), test metrics
 * and the tfjs version. Works through any tf.io.IOHandler (tf.io.withSaveHandler in the CTR
 * Lab's worker, tf.io.browserDownloads on a page, tf.io.browserFiles to load).
 */
import * as tf from "@tensorflow/tfjs";
import { CtrModel, type Backbone, type ModelConfig } from "./model";
import type { CtrShape, CtrVocabSizes } from "./schema";

export const CTR_MODEL_FORMAT = "liber-ctr";
export const CTR_MODEL_FORMAT_VERSION = 1;

/** The architecture: everything needed to rebuild the model before its weights are assigned. */
export interface CtrModelTopology {
  format: typeof CTR_MODEL_FORMAT;
  formatVersion: number;
  backbone: Backbone;
  variant: "baseline" | "liber";
  config: ModelConfig;
  vocab: CtrVocabSizes;
  shape: CtrShape;
  partitionDim: number;
  seed: number;
}

export interface CtrModelMetadata {
  tfjs: string;
  savedAt: string;
  /** training settings (epochs, batch size, label rule, ...) */
  settings?: Record<string, unknown>;
  /** where the samples came from (partition config, prompt and encoder versions, cutoffs) */
  provenance?: Record<string, unknown>;
  /** test metrics of this model */
  metrics?: Record<string, unknown>;
}

export interface SaveCtrModelInfo {
  vocab: CtrVocabSizes;
  seed: number;
  settings?: Record<string, unknown>;
  provenance?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
}

/** The tfjs ModelArtifacts of a model (weights named by parameter, float32). */
export async function ctrModelArtifacts(model: CtrModel, info: SaveCtrModelInfo): Promise<tf.io.ModelArtifacts> {
  const topology: CtrModelTopology = {
    format: CTR_MODEL_FORMAT,
    formatVersion: CTR_MODEL_FORMAT_VERSION,
    backbone: model.config.backbone,
    variant: model.config.liber ? "liber" : "baseline",
    config: model.config,
    vocab: info.vocab,
    shape: model.shape,
    partitionDim: model.partitionDim,
    seed: info.seed,
  };
  const weights = await model.weights();
  const named = weights.map((w) => ({ name: w.name, tensor: tf.tensor(w.values, w.shape, "float32") }));
  try {
    const { data, specs } = await tf.io.encodeWeights(named);
    const metadata: CtrModelMetadata = {
      tfjs: tf.version.tfjs,
      savedAt: new Date().toISOString(),
      settings: info.settings,
      provenance: info.provenance,
      metrics: info.metrics,
    };
    return {
      modelTopology: topology as unknown as object,
      format: CTR_MODEL_FORMAT,
      generatedBy: `LIBER Studio CTR Lab (tfjs ${tf.version.tfjs})`,
      convertedBy: null,
      weightSpecs: specs,
      weightData: data,
      userDefinedMetadata: metadata as unknown as tf.io.ModelArtifacts["userDefinedMetadata"],
    };
  } finally {
    named.forEach((n) => n.tensor.dispose());
  }
}

/** Saves through any tfjs IOHandler (browserDownloads, withSaveHandler, http, ...). */
export async function saveCtrModel(
  model: CtrModel,
  info: SaveCtrModelInfo,
  handler: tf.io.IOHandler,
): Promise<tf.io.SaveResult> {
  if (!handler.save) throw new Error("this IOHandler cannot save");
  return handler.save(await ctrModelArtifacts(model, info));
}

export interface CtrModelFiles {
  /** file names, e.g. "ctr-deepfm-liber.json" and "ctr-deepfm-liber.weights.bin" */
  jsonName: string;
  weightsName: string;
  /** model.json text: the artifacts with a weightsManifest pointing at the weights file */
  json: string;
  weights: ArrayBuffer;
}

/**
 * The two files tf.io.browserDownloads(prefix) would write, built without a DOM (the CTR Lab
 * trains in a Web Worker; the page turns these into downloads).
 */
export function ctrModelFiles(artifacts: tf.io.ModelArtifacts, prefix: string): CtrModelFiles {
  if (!artifacts.weightSpecs || !artifacts.weightData) throw new Error("the artifacts have no weights");
  const jsonName = `${prefix}.json`;
  const weightsName = `${prefix}.weights.bin`;
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology as object,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest: [{ paths: [`./${weightsName}`], weights: artifacts.weightSpecs }],
    userDefinedMetadata: artifacts.userDefinedMetadata,
  };
  return {
    jsonName,
    weightsName,
    json: JSON.stringify(modelJson),
    weights: tf.io.CompositeArrayBuffer.join(artifacts.weightData),
  };
}

/** An IOHandler that loads the two files (their contents, e.g. read from disk or a download). */
export function ctrModelFromFiles(json: string, weights: ArrayBuffer): tf.io.IOHandler {
  return {
    load: () =>
      tf.io.getModelArtifactsForJSON(JSON.parse(json) as tf.io.ModelJSON, async (manifest) => [
        manifest.flatMap((group) => group.weights),
        weights,
      ]),
  };
}

export interface LoadedCtrModel {
  model: CtrModel;
  topology: CtrModelTopology;
  metadata: CtrModelMetadata | null;
}

/**
 * Rebuilds a CtrModel from saved artifacts: the architecture from the manifest, then every
 * parameter from its named weight (names and shapes must match exactly).
 */
export async function loadCtrModel(handler: tf.io.IOHandler): Promise<LoadedCtrModel> {
  if (!handler.load) throw new Error("this IOHandler cannot load");
  const artifacts = await handler.load();
  const topology = artifacts.modelTopology as CtrModelTopology | undefined;
  if (!topology || topology.format !== CTR_MODEL_FORMAT)
    throw new Error(`not a ${CTR_MODEL_FORMAT} model (format ${String(topology?.format ?? artifacts.format)})`);
  if (topology.formatVersion > CTR_MODEL_FORMAT_VERSION)
    throw new Error(`model format version ${topology.formatVersion} is newer than this code reads`);
  if (!artifacts.weightSpecs || !artifacts.weightData) throw new Error("the model has no weights");
  const model = new CtrModel(topology.config, topology.vocab, topology.shape, topology.partitionDim, topology.seed);
  const tensors = tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
  try {
    // the parameters' names and shapes (snapshot(): clones by name, disposed at once)
    const snapshot = model.snapshot();
    const expected = new Map([...snapshot].map(([name, t]) => [name, t.shape]));
    snapshot.forEach((t) => t.dispose());
    const names = Object.keys(tensors);
    const missing = [...expected.keys()].filter((n) => !(n in tensors));
    const extra = names.filter((n) => !expected.has(n));
    if (missing.length || extra.length)
      throw new Error(
        `weights do not match the architecture: missing [${missing.join(", ")}], extra [${extra.join(", ")}]`,
      );
    for (const [name, shape] of expected) {
      const got = tensors[name]!.shape;
      if (got.length !== shape.length || got.some((d, i) => d !== shape[i]))
        throw new Error(`weight ${name} has shape [${got.join(",")}], the architecture needs [${shape.join(",")}]`);
    }
    model.restore(new Map(Object.entries(tensors)));
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    Object.values(tensors).forEach((t) => t.dispose());
  }
  return {
    model,
    topology,
    metadata: (artifacts.userDefinedMetadata as unknown as CtrModelMetadata | undefined) ?? null,
  };
}
