import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { measureBackends, selectBackend } from "./backend";

describe("measureBackends", () => {
  it("times each candidate with a training probe and picks the fastest measured", async () => {
    await selectBackend("wasm");
    const before = tf.memory().numTensors;
    const { timings, fastest } = await measureBackends(["wasm", "cpu"], { steps: 1, batchSize: 64 });
    expect(timings.map((t) => t.backend)).toEqual(["wasm", "cpu"]);
    for (const t of timings) expect(t.samplesPerSecond).toBeGreaterThan(0);
    const best = [...timings].sort((a, b) => b.samplesPerSecond - a.samplesPerSecond)[0]!;
    expect(fastest).toBe(best.backend);
    expect(tf.getBackend()).toBe("wasm"); // restored
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it("records a backend that cannot start instead of throwing", async () => {
    const { timings, fastest } = await measureBackends(["webgl", "wasm"], { steps: 1, batchSize: 32 });
    expect(timings[0]).toMatchObject({ backend: "webgl", samplesPerSecond: 0 });
    expect(timings[0]!.error).toBeTruthy();
    expect(fastest).toBe("wasm");
  }, 60_000);
});
