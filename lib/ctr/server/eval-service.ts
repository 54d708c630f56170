/**
 * CTR evaluation over the database: load samples (samples-store.ts), train both variants of a
 * backbone for each seed (lib/ctr/evaluate.ts) and report. Used by `liber ctr-eval`.
 */
import { selectBackend, type BackendName } from "../backend";
import { compactResult, runCtrEval, type CtrEvalOptions } from "../evaluate";
import type { Backbone } from "../model";
import { describeDataset } from "../samples";
import type { TrainProgress } from "../train";
import { shufflePartitionsAcrossUsers } from "../synthetic";
import { saveCtrRun } from "./runs";
import { loadCtrSamples, type LoadSamplesOptions } from "./samples-store";

export interface DbCtrEvalOptions extends LoadSamplesOptions {
  backbone: Backbone;
  seeds: number;
  backend?: BackendName;
  model?: CtrEvalOptions["model"];
  train?: CtrEvalOptions["train"];
  /** the old sanity control: both variants read another random sample's LIBER features */
  shuffleLiber?: boolean;
  /** the split the reported metrics come from ("valid" to choose settings without the test split) */
  evaluateOn?: "test" | "valid";
  /** save the run in ctr_runs (the result then carries its runId) */
  save?: boolean;
  createdBy?: string | null;
  log?: (line: string) => void;
}

export async function ctrEvalOnDatabase(options: DbCtrEvalOptions) {
  const log = options.log ?? (() => {});
  const progress = (p: TrainProgress & { seed: number; variant: string }) => {
    if (p.validAuc !== undefined) {
      log(
        `  seed ${p.seed} ${p.variant}: epoch ${p.epoch} loss ${p.loss.toFixed(4)} valid AUC ${p.validAuc.toFixed(4)} (${Math.round(p.samplesPerSecond)} samples/s)`,
      );
    }
  };
  const backend = await selectBackend(options.backend ?? "wasm");
  const loaded = await loadCtrSamples(options);
  let dataset = loaded.dataset;
  const facts = describeDataset(dataset);
  log(
    `ctr-eval: ${facts.train.samples} train / ${facts.valid.samples} valid / ${facts.test.samples} test samples, ` +
      `${facts.partitions} partition vectors (${facts.dim}-d), backend ${backend}, load ${loaded.provenance.loadSeconds.toFixed(1)} s`,
  );
  if (loaded.provenance.encoderFit)
    log(
      `ctr-eval: encoder version ${loaded.provenance.encoderFit.id} fitted as of the validation cutoff ${loaded.provenance.encoderFit.fittedUntil}` +
        ` (${loaded.provenance.encoderFit.created ? "new" : "already stored"}), ${loaded.provenance.encoderFit.encoded} texts encoded`,
    );
  if (loaded.controlDataset) {
    const c = describeDataset(loaded.controlDataset);
    log(
      `ctr-eval: control (${options.control === "blank" ? "zero vectors" : "partitions of another user"}): ${c.train.withPartitions} / ${c.valid.withPartitions} / ${c.test.withPartitions} samples with a partition` +
        ` (own: ${facts.train.withPartitions} / ${facts.valid.withPartitions} / ${facts.test.withPartitions})`,
    );
  }
  if (loaded.provenance.partitionVectors === 0)
    log("ctr-eval: WARNING no partition vectors: the LIBER variant has nothing to read");
  if (options.shuffleLiber) dataset = shufflePartitionsAcrossUsers(dataset, 12345);
  const result = await runCtrEval({
    dataset,
    backbone: options.backbone,
    seeds: options.seeds,
    model: options.model,
    train: options.train,
    controlDataset: loaded.controlDataset,
    evaluateOn: options.evaluateOn,
    onProgress: (p) => progress(p),
    onControlProgress: (p) => progress(p),
  });
  const controlFacts = loaded.controlDataset ? describeDataset(loaded.controlDataset) : null;
  const out = {
    ...compactResult(result),
    data: {
      ...facts,
      ...(controlFacts
        ? {
            control: {
              withPartitions: {
                train: controlFacts.train.withPartitions,
                valid: controlFacts.valid.withPartitions,
                test: controlFacts.test.withPartitions,
              },
            },
          }
        : {}),
      provenance: loaded.provenance,
      meta: dataset.meta,
    },
    settings: {
      model: result.modelConfig,
      train: result.trainConfig,
      shape: dataset.shape,
      shuffledLiber: !!options.shuffleLiber,
      control: options.control ?? null,
      vectors: loaded.provenance.vectors,
      split: result.split,
    },
  };
  let runId: number | null = null;
  if (options.save) {
    const { data, settings, ...metrics } = out;
    runId = await saveCtrRun({
      source: "cli",
      backbone: options.backbone,
      status: "succeeded",
      settings: {
        ...settings,
        labelRule: dataset.meta.labelRule,
        cutoffs: dataset.meta.cutoffs,
        seeds: result.seeds,
        samples: result.samples,
        data,
      },
      configId: loaded.provenance.configId,
      promptVersionId: loaded.provenance.promptVersionId,
      encoderVersionId: loaded.provenance.encoder?.id ?? null,
      metrics,
      curves: (["baseline", "liber"] as const).flatMap((variant) =>
        result[variant].perSeed.map((s) => ({ variant, seed: s.seed, epochs: s.epochs })),
      ),
      durationMs: Math.round(result.seconds * 1000),
      createdBy: options.createdBy ?? null,
    });
  }
  return { runId, ...out };
}
