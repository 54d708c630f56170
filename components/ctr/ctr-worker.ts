/**
 * The CTR Lab's Web Worker (comlink): fetches the samples (same origin, the page's cookies),
 * picks the tfjs backend, trains the baseline and the +LIBER variant of one backbone on
 * identical samples and returns their metrics. All tfjs work happens here, so the page stays
 * responsive.
 */
import * as tf from "@tensorflow/tfjs";
import * as Comlink from "comlink";
import { measureBackends, selectBackend, type BackendName, type BackendTiming } from "@/lib/ctr/backend";
import { runCtrEval, compactResult, type CtrEvalResult, type Variant } from "@/lib/ctr/evaluate";
import { ctrModelArtifacts, ctrModelFiles, type CtrModelFiles } from "@/lib/ctr/export";
import { predict, type TrainProgress } from "@/lib/ctr/train";
import { selectRows, type CtrDataset } from "@/lib/ctr/schema";
import { readDatasetResponse, type TransferProgress } from "@/lib/ctr/stream-client";
import {
  cappedRows,
  explainUser,
  explainUsers,
  samplesQuery,
  type ExplainData,
  type LabVariant,
  type LabSettings,
  type ProgressEvent,
} from "./lab-model";

/** Where public/tfjs/ serves the wasm binaries (lib/server/tfjs-wasm.ts copies them). */
const WASM_PATH = "/tfjs/";
const CANDIDATES: BackendName[] = ["webgl", "wasm", "cpu"];

export type WorkerEvent =
  | { kind: "transfer"; progress: TransferProgress }
  | { kind: "backend"; backend: string; timings: BackendTiming[] | null }
  | {
      kind: "data";
      samples: { train: number; valid: number; test: number };
      totalSamples: { train: number; valid: number; test: number };
      partitions: number;
      dim: number;
    }
  | ({ kind: "progress" } & ProgressEvent);

export interface WorkerResult {
  result: Omit<CtrEvalResult, "roc"> & { roc: NonNullable<CtrEvalResult["roc"]> | null };
  compact: ReturnType<typeof compactResult>;
  /** the samples' meta: label rule, cutoffs, partition config, prompt and encoder versions */
  provenance: Record<string, unknown>;
}

function capDataset(dataset: CtrDataset, cap: number): CtrDataset {
  if (cap <= 0) return dataset;
  const cut = (split: "train" | "valid" | "test") =>
    selectRows(dataset[split], dataset.shape, cappedRows(dataset[split].size, cap));
  return { ...dataset, train: cut("train"), valid: cut("valid"), test: cut("test") };
}

function progressEvent(p: TrainProgress & { variant: LabVariant }, epochs: number): WorkerEvent {
  return {
    kind: "progress",
    variant: p.variant,
    epoch: p.epoch,
    batch: p.batch,
    batches: p.batches,
    epochs,
    loss: p.loss,
    validAuc: p.validAuc,
    samplesPerSecond: p.samplesPerSecond,
  };
}

let explain: ExplainData | null = null;
/** the last run's trained models, serialised (tfjs format) for download */
let trainedModels: Partial<Record<Variant, tf.io.ModelArtifacts>> = {};
let measured: { timings: BackendTiming[]; fastest: BackendName | null } | null = null;

const api = {
  /** Times each backend with a short training probe (once per worker) and keeps the fastest. */
  async measure(): Promise<{ timings: BackendTiming[]; fastest: BackendName | null }> {
    measured ??= await measureBackends(CANDIDATES, { wasmPath: WASM_PATH, keep: true });
    return measured;
  },

  async useBackend(name: BackendName): Promise<string> {
    return selectBackend(name, WASM_PATH);
  },

  async train(settings: LabSettings, onEvent: (e: WorkerEvent) => void): Promise<WorkerResult> {
    const response = await fetch(`/api/ctr/samples?${samplesQuery(settings)}`, { credentials: "same-origin" });
    const full = await readDatasetResponse(response, (progress) => onEvent({ kind: "transfer", progress }));
    const dataset = capDataset(full, settings.sampleCap);
    // the control: the same samples with every user's partition vectors read from another user
    // (the server's seeded derangement); capped with the same rows
    let controlDataset: CtrDataset | undefined;
    if (settings.control) {
      const controlResponse = await fetch(`/api/ctr/samples?${samplesQuery(settings, "control")}`, {
        credentials: "same-origin",
      });
      const controlFull = await readDatasetResponse(controlResponse, (progress) =>
        onEvent({ kind: "transfer", progress }),
      );
      controlDataset = capDataset(controlFull, settings.sampleCap);
    }
    onEvent({
      kind: "data",
      samples: { train: dataset.train.size, valid: dataset.valid.size, test: dataset.test.size },
      totalSamples: { train: full.train.size, valid: full.valid.size, test: full.test.size },
      partitions: dataset.partitions.size - 1,
      dim: dataset.partitions.dim,
    });
    let backend: string;
    let timings: BackendTiming[] | null = null;
    if (settings.backend === "auto") {
      const m = await api.measure();
      timings = m.timings;
      if (!m.fastest)
        throw new Error(`no tfjs backend works here: ${m.timings.map((t) => `${t.backend}: ${t.error}`).join("; ")}`);
      backend = await selectBackend(m.fastest, WASM_PATH);
    } else {
      backend = await selectBackend(settings.backend, WASM_PATH);
    }
    onEvent({ kind: "backend", backend, timings });
    explain = null;
    trainedModels = {};
    const test = dataset.test;
    const kept: Partial<Pick<ExplainData, "baseline" | "liber" | "weights">> = {};
    const batchSize = 256;
    const batches = Math.ceil(dataset.train.size / batchSize);
    const result = await runCtrEval({
      dataset,
      controlDataset,
      backbone: settings.backbone,
      seeds: [settings.seed],
      train: { epochs: settings.epochs, batchSize, progressEvery: Math.max(1, Math.floor(batches / 20)) },
      withRoc: true,
      // Keep both variants' test predictions and +LIBER's attention over partitions for "explain a user".
      onTrained: async ({ variant, model, partitions, testProbabilities }) => {
        kept[variant] = testProbabilities;
        trainedModels[variant] = await ctrModelArtifacts(model, {
          vocab: dataset.vocab,
          seed: settings.seed,
          settings: { ...settings, backend: tf.getBackend(), batchSize },
          provenance: dataset.meta,
        });
        if (variant === "liber")
          kept.weights = (await predict(model, test, partitions, { withWeights: true })).partitionWeights ?? null;
      },
      onProgress: (p) => onEvent(progressEvent(p, settings.epochs)),
      onControlProgress: (p) => onEvent(progressEvent(p, settings.epochs)),
    });
    // the test metrics go into each saved model's metadata
    const compact = compactResult(result);
    for (const variant of ["baseline", "liber"] as const) {
      const artifacts = trainedModels[variant];
      if (artifacts)
        artifacts.userDefinedMetadata = {
          ...artifacts.userDefinedMetadata,
          metrics: { test: compact[variant], samples: compact.samples },
        };
    }
    explain = {
      slots: dataset.shape.maxPartitions,
      userKey: test.userKey,
      item: test.item,
      ts: test.ts,
      label: test.label,
      eventsBefore: test.eventsBefore,
      partRows: test.partRows,
      partAgeDays: test.partAgeDays,
      partitionIds: dataset.partitions.partitionIds,
      baseline: kept.baseline!,
      liber: kept.liber!,
      weights: kept.weights ?? null,
    };
    return {
      result: { ...result, roc: result.roc ?? null },
      compact,
      provenance: dataset.meta,
    };
  },

  /** The last run's trained model of a variant as the two tfjs files (model.json, weights.bin). */
  modelFiles(variant: Variant): CtrModelFiles | null {
    const artifacts = trainedModels[variant];
    if (!artifacts) return null;
    const backbone = (artifacts.modelTopology as { backbone?: string }).backbone ?? "model";
    // copied to the page (structured clone), so the worker's copy stays for another download
    return ctrModelFiles(artifacts, `liber-ctr-${backbone}-${variant}`);
  },

  /** Test users of the last run, to explain one (empty before a run). */
  explainUsers() {
    return explain ? explainUsers(explain) : [];
  },

  /** One user's test samples: both variants' predictions and +LIBER's attention over partitions. */
  explainUser(userKey: number) {
    return explain ? explainUser(explain, userKey) : [];
  },
};

export type CtrWorkerApi = typeof api;

Comlink.expose(api);
