/**
 * tfjs backend selection, the same for Node and the browser. Node: `wasm` (tfjs-node cannot
 * be installed here) or the pure-JS `cpu`. Browser: also `webgl`; the wasm binaries must be
 * served (the CTR Lab serves them from public/) and their folder given as `wasmPath`.
 */
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

export type BackendName = "wasm" | "cpu" | "webgl";

export async function selectBackend(name: BackendName, wasmPath?: string): Promise<string> {
  if (name === "wasm" && wasmPath) setWasmPaths(wasmPath);
  if (tf.getBackend() !== name) {
    const ok = await tf.setBackend(name);
    if (!ok) throw new Error(`tfjs backend ${name} is not available here`);
  }
  await tf.ready();
  return tf.getBackend();
}

export interface BackendTiming {
  backend: BackendName;
  /** training samples per second in the probe; 0 when the backend failed */
  samplesPerSecond: number;
  error?: string;
}

/**
 * The CTR Lab's automatic choice: a short training probe (a few DeepFM+LIBER steps on a small
 * synthetic batch, after one warm-up step) on each candidate backend; the fastest wins. The
 * backend that was active before is restored when `keep` is false.
 */
export async function measureBackends(
  candidates: BackendName[],
  options: { steps?: number; batchSize?: number; wasmPath?: string; keep?: boolean } = {},
): Promise<{ timings: BackendTiming[]; fastest: BackendName | null }> {
  const { CtrModel, DEFAULT_MODEL_CONFIG } = await import("./model");
  const { makeSyntheticDataset } = await import("./synthetic");
  const { batchInputs, partitionTensor } = await import("./train");
  const { selectRows } = await import("./schema");
  const steps = options.steps ?? 3;
  const batchSize = options.batchSize ?? 256;
  const dataset = makeSyntheticDataset({
    seed: 1,
    users: 60,
    samplesPerUser: Math.ceil(batchSize / 48) + 2,
    dim: 64,
    shape: { historyLength: 20, categoriesPerItem: 3, maxPartitions: 32 },
  });
  const batch = selectRows(
    dataset.train,
    dataset.shape,
    Array.from({ length: Math.min(batchSize, dataset.train.size) }, (_, i) => i),
  );
  const previous = tf.getBackend();
  const timings: BackendTiming[] = [];
  for (const backend of candidates) {
    try {
      await selectBackend(backend, options.wasmPath);
      const model = new CtrModel(
        { ...DEFAULT_MODEL_CONFIG, backbone: "deepfm", liber: true },
        dataset.vocab,
        dataset.shape,
        dataset.partitions.dim,
        1,
      );
      const table = partitionTensor(dataset.partitions);
      const optimizer = tf.train.adam(1e-3);
      const step = async () => {
        const loss = tf.tidy(() => {
          const inputs = batchInputs(batch, dataset.shape);
          const labels = tf.tensor1d(batch.label, "float32");
          return optimizer.minimize(
            () => tf.losses.sigmoidCrossEntropy(labels, model.forward(inputs, table).logits) as tf.Scalar,
            true,
            model.variables,
          )!;
        });
        await loss.data();
        loss.dispose();
      };
      await step();
      const started = performance.now();
      for (let i = 0; i < steps; i++) await step();
      const seconds = (performance.now() - started) / 1000;
      model.dispose();
      table.dispose();
      optimizer.dispose();
      timings.push({ backend, samplesPerSecond: (steps * batch.size) / seconds });
    } catch (err) {
      timings.push({ backend, samplesPerSecond: 0, error: (err as Error).message });
    }
  }
  const ok = timings.filter((t) => t.samplesPerSecond > 0).sort((a, b) => b.samplesPerSecond - a.samplesPerSecond);
  const fastest = ok[0]?.backend ?? null;
  if (options.keep && fastest) await selectBackend(fastest, options.wasmPath);
  else if (previous) await tf.setBackend(previous);
  return { timings, fastest };
}
