import { NextResponse } from "next/server";
import { z } from "zod";
import { route } from "@/lib/auth/route";
import { listCtrRuns, saveCtrRun } from "@/lib/ctr/server/runs";

export const dynamic = "force-dynamic";

const query = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

/** GET /api/ctr/runs?limit=: saved CTR runs, newest first. */
export const GET = route({ access: "viewer", query }, async ({ query }) => ({ runs: await listCtrRuns(query.limit) }));

const pairedDifference = z.object({
  mean: z.number().nullable(),
  ci95: z.tuple([z.number(), z.number()]).nullable(),
  sd: z.number().nullable().optional(),
  n: z.number().int().min(0),
});
// NaN (a split with one class) travels as null in JSON.
const metric = z.number().nullable();
const variantMetrics = z.object({ auc: metric, logloss: metric, gauc: metric }).loose();
const id = z.number().int().min(1).max(2_147_483_647).nullable().optional();

// A run the CTR Lab trained in the browser: the same metrics shape `liber ctr-eval` stores.
const saveBody = z.object({
  backbone: z.enum(["din", "deepfm"]),
  settings: z.record(z.string(), z.unknown()),
  configId: id,
  promptVersionId: id,
  encoderVersionId: id,
  metrics: z
    .object({
      baseline: variantMetrics,
      liber: variantMetrics,
      lift: z.object({ auc: pairedDifference, logloss: pairedDifference, gauc: pairedDifference }).loose(),
      slices: z.array(z.record(z.string(), z.unknown())).max(20),
    })
    .loose(),
  curves: z.array(z.unknown()).max(100).default([]),
  durationMs: z.number().int().min(0).max(2_147_483_647).optional(),
});

/** POST /api/ctr/runs: saves a run trained in the browser (CTR Lab). */
export const POST = route({ access: "editor", body: saveBody }, async ({ body, caller }) => {
  const runId = await saveCtrRun({ source: "browser", status: "succeeded", createdBy: caller.name, ...body });
  return NextResponse.json({ id: runId }, { status: 201 });
});
