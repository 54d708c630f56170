import { beforeAll, describe, expect, it } from "vitest";
import { selectBackend } from "./backend";
import { compactResult, runCtrEval } from "./evaluate";
import { makeSyntheticDataset, shufflePartitionsAcrossUsers } from "./synthetic";

// Labels depend only on the partition vectors (see synthetic.ts): the baseline sits near 0.5,
// the +LIBER variant must find the signal, and shuffling the vectors across users removes it.
const dataset = makeSyntheticDataset({ seed: 7, users: 100, samplesPerUser: 30 });
const settings = {
  seeds: [1],
  model: { embedDim: 8, mlp: [32, 16], attentionMlp: [16], adaptorHidden: 16 },
  train: { epochs: 5, batchSize: 128, patience: 2, learningRate: 1e-2 },
};

beforeAll(async () => {
  await selectBackend("wasm");
});

describe("runCtrEval on a set where only the LIBER features carry signal", () => {
  it.each(["deepfm", "din"] as const)(
    "%s: clear lift with the real vectors, none when they are shuffled across users",
    async (backbone) => {
      const real = await runCtrEval({ dataset, backbone, ...settings });
      expect(real.baseline.auc).toBeLessThan(0.6);
      expect(real.lift.auc.mean).toBeGreaterThan(0.1);
      expect(real.liber.logloss).toBeLessThan(real.baseline.logloss);
      const shuffled = await runCtrEval({ dataset: shufflePartitionsAcrossUsers(dataset, 5), backbone, ...settings });
      expect(Math.abs(shuffled.lift.auc.mean)).toBeLessThan(0.05);
      // the compact shape printed by `liber ctr-eval --json`
      const compact = compactResult(real);
      expect(Object.keys(compact.baseline)).toEqual(expect.arrayContaining(["auc", "logloss", "gauc"]));
      expect(compact.slices.map((s) => s.name)).toEqual(["<50", "50-200", "200-1000", ">1000"]);
      expect(compact.slices.reduce((n, s) => n + s.samples, 0)).toBe(real.samples.test);
    },
    60_000,
  );

  it("reports the control variant (LIBER architecture, shuffled partitions) beside both, paired by seed", async () => {
    const control = shufflePartitionsAcrossUsers(dataset, 5);
    const r = await runCtrEval({ dataset, backbone: "deepfm", ...settings, controlDataset: control });
    expect(r.control).toBeDefined();
    expect(r.liber.auc - r.control!.auc).toBeGreaterThan(0.1);
    expect(r.liberMinusControl!.auc.mean).toBeCloseTo(r.liber.auc - r.control!.auc, 10);
    expect(Math.abs(r.controlLift!.auc.mean)).toBeLessThan(0.05);
    expect(r.slices.every((s) => s.control !== undefined && s.liberMinusControl !== undefined)).toBe(true);
    const compact = compactResult(r);
    expect(compact.control?.perSeed.map((s) => s.seed)).toEqual([1]);
    // the validation split, for choosing settings without the test split
    const v = await runCtrEval({ dataset, backbone: "deepfm", ...settings, evaluateOn: "valid" });
    expect(v.split).toBe("valid");
    expect(v.slices.reduce((n, s) => n + s.samples, 0)).toBe(dataset.valid.size);
    expect(v.liber.perSeed[0]!.auc).toBeCloseTo(v.liber.perSeed[0]!.bestValidAuc, 10);
    // a control with other samples is refused
    await expect(
      runCtrEval({ dataset, backbone: "deepfm", ...settings, controlDataset: { ...control, test: control.valid } }),
    ).rejects.toThrow(/same samples/);
  }, 90_000);
});
