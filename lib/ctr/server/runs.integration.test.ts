import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../../../test/db";
import { getCtrRun, listCtrRuns, saveCtrRun } from "./runs";

useTestDatabase();

describe("ctr_runs", () => {
  it("saves a run and lists it newest first with its AUC summary", async () => {
    const metrics = {
      baseline: { auc: 0.7, logloss: 0.6, gauc: 0.69 },
      liber: { auc: 0.71, logloss: 0.59, gauc: 0.7 },
      lift: { auc: { mean: 0.01, ci95: [0.002, 0.018], sd: 0.003, n: 3 } },
    };
    const first = await saveCtrRun({
      source: "cli",
      backbone: "din",
      status: "succeeded",
      settings: { seeds: [1, 2, 3] },
      metrics,
      configId: 4,
      durationMs: 1200,
    });
    const second = await saveCtrRun({
      source: "browser",
      backbone: "deepfm",
      status: "failed",
      settings: {},
      error: "stopped",
    });
    const runs = await listCtrRuns();
    expect(runs.map((r) => r.id)).toEqual([second, first]);
    expect(runs[1]!.auc).toEqual({ baseline: 0.7, liber: 0.71, lift: 0.01, ci95: [0.002, 0.018] });
    expect(runs[0]!.auc).toBeNull();
    const full = await getCtrRun(first);
    expect(full?.settings).toEqual({ seeds: [1, 2, 3] });
    expect(full?.configId).toBe(4);
    expect(await getCtrRun(999_999)).toBeNull();
  });
});
