import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it } from "vitest";
import { GET as listRuns, POST as saveRun } from "../../../app/api/ctr/runs/route";
import { useTestDatabase } from "../../../test/db";
import { createApiToken } from "../../auth/api-tokens";

useTestDatabase();

const URL_RUNS = "http://localhost/api/ctr/runs";
const noParams = { params: Promise.resolve({}) };
const auth: Record<"viewer" | "editor", string> = { viewer: "", editor: "" };

beforeAll(async () => {
  for (const role of ["viewer", "editor"] as const) {
    const { token } = await createApiToken({ name: `ctr-runs-${role}`, role, createdById: null });
    auth[role] = `Bearer ${token}`;
  }
});

const post = (role: "viewer" | "editor", body: unknown) =>
  saveRun(
    new NextRequest(URL_RUNS, {
      method: "POST",
      headers: { authorization: auth[role], "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
    noParams,
  );

// What the CTR Lab page posts after one seed (NaN metrics arrive as null in JSON).
const browserRun = {
  backbone: "deepfm",
  settings: { label: "rate>=4", epochs: 1, seed: 1, sampleCap: 300 },
  configId: null,
  encoderVersionId: null,
  metrics: {
    baseline: { auc: 0.61, logloss: 0.69, gauc: null },
    liber: { auc: 0.63, logloss: 0.68, gauc: null },
    lift: {
      auc: { mean: 0.02, ci95: null, sd: null, n: 1 },
      logloss: { mean: -0.01, ci95: null, sd: null, n: 1 },
      gauc: { mean: null, ci95: null, sd: null, n: 1 },
    },
    slices: [{ name: "<50", samples: 10 }],
  },
  curves: [{ variant: "baseline", seed: 1, epochs: [] }],
  durationMs: 1234,
};

describe("POST /api/ctr/runs", () => {
  it("saves a browser run for an editor, and the list shows it", async () => {
    const res = await post("editor", browserRun);
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: number };
    const list = await listRuns(new NextRequest(URL_RUNS, { headers: { authorization: auth.viewer } }), noParams);
    const { runs } = (await list.json()) as {
      runs: { id: number; source: string; backbone: string; createdBy: string; auc: unknown }[];
    };
    const saved = runs.find((r) => r.id === id);
    expect(saved).toMatchObject({
      source: "browser",
      backbone: "deepfm",
      createdBy: "token:ctr-runs-editor",
      auc: { baseline: 0.61, liber: 0.63, lift: 0.02, ci95: null },
    });
  });

  it("refuses a viewer and a malformed body", async () => {
    expect((await post("viewer", browserRun)).status).toBe(403);
    expect((await post("editor", { ...browserRun, backbone: "lstm" })).status).toBe(422);
    expect((await post("editor", { ...browserRun, metrics: { baseline: { auc: "high" } } })).status).toBe(422);
  });
});
