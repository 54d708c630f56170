/**
 * Saved CTR runs (table ctr_runs): what `liber ctr-eval` (and, later, the CTR Lab page)
 * trained, on which feature versions, with which metrics and curves, so that runs can be
 * compared with earlier ones.
 */
import { db } from "../../db/client";
import type { Prisma } from "../../db/generated/client";

export interface SaveCtrRunInput {
  source: "cli" | "browser";
  backbone: string;
  status: "succeeded" | "failed";
  settings: Record<string, unknown>;
  configId?: number | null;
  promptVersionId?: number | null;
  encoderVersionId?: number | null;
  metrics?: Record<string, unknown> | null;
  curves?: unknown[];
  error?: string | null;
  durationMs?: number | null;
  createdBy?: string | null;
}

export async function saveCtrRun(input: SaveCtrRunInput): Promise<number> {
  const row = await db().ctrRun.create({
    data: {
      source: input.source,
      backbone: input.backbone,
      status: input.status,
      settings: input.settings as Prisma.InputJsonValue,
      configId: input.configId ?? null,
      promptVersionId: input.promptVersionId ?? null,
      encoderVersionId: input.encoderVersionId ?? null,
      metrics: (input.metrics ?? undefined) as Prisma.InputJsonValue | undefined,
      curves: (input.curves ?? []) as Prisma.InputJsonValue,
      error: input.error ?? null,
      durationMs: input.durationMs ?? null,
      createdBy: input.createdBy ?? null,
    },
    select: { id: true },
  });
  return row.id;
}

export interface CtrRunSummary {
  id: number;
  source: string;
  backbone: string;
  status: string;
  configId: number | null;
  promptVersionId: number | null;
  encoderVersionId: number | null;
  createdAt: string;
  durationMs: number | null;
  createdBy: string | null;
  /** test AUC of each variant and the lift's mean and interval (null when failed) */
  auc: { baseline: number; liber: number; lift: number; ci95: [number, number] | null } | null;
}

type RunRow = Awaited<ReturnType<ReturnType<typeof db>["ctrRun"]["findFirstOrThrow"]>>;

function summary(r: RunRow): CtrRunSummary {
  const m = r.metrics as {
    baseline?: { auc: number };
    liber?: { auc: number };
    lift?: { auc: { mean: number; ci95: [number, number] | null } };
  } | null;
  return {
    id: r.id,
    source: r.source,
    backbone: r.backbone,
    status: r.status,
    configId: r.configId,
    promptVersionId: r.promptVersionId,
    encoderVersionId: r.encoderVersionId,
    createdAt: r.createdAt.toISOString(),
    durationMs: r.durationMs,
    createdBy: r.createdBy,
    auc:
      m?.baseline && m.liber && m.lift
        ? { baseline: m.baseline.auc, liber: m.liber.auc, lift: m.lift.auc.mean, ci95: m.lift.auc.ci95 }
        : null,
  };
}

export async function listCtrRuns(limit = 50): Promise<CtrRunSummary[]> {
  const rows = await db().ctrRun.findMany({ orderBy: { id: "desc" }, take: limit });
  return rows.map(summary);
}

export async function getCtrRun(id: number) {
  const row = await db().ctrRun.findUnique({ where: { id } });
  if (!row) return null;
  return { ...summary(row), settings: row.settings, metrics: row.metrics, curves: row.curves, error: row.error };
}
