/**
 * tfjs backend selection, the same for Node and the browser. Node: `wasm` (tfjs-node cannot
 * be installed here) or the pure-JS `cpu`. Browser: also `webgl`; the wasm binaries must be
 * served (the CTR Lab serves them from public/) and their folder given as `wasmPath`.
 */
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

export type BackendName = "wasm" | "cpu" | "webgl";

export async function useBackend(name: BackendName, wasmPath?: string): Promise<string> {
  if (name === "wasm" && wasmPath) setWasmPaths(wasmPath);
  if (tf.getBackend() !== name) {
    const ok = await tf.setBackend(name);
    if (!ok) throw new Error(`tfjs backend ${name} is not available here`);
  }
  await tf.ready();
  return tf.getBackend();
}
