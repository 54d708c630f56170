import { db } from "../db/client";
import type { Prisma } from "../db/generated/client";

/** A rejected row as reported to people: which file, which line, and why. */
export interface RowError {
  file: string;
  line: number;
  reason: string;
}

export interface RunCounts {
  rowsRead: number;
  inserted: number;
  duplicates: number;
  rejected: number;
  usersCreated: number;
  itemsCreated: number;
}

/**
 * import_runs bookkeeping. These writes go through their own connection, outside the import's
 * transaction: a running import is visible while it runs, and a failed one stays recorded.
 */
export async function startImportRun(source: string, file: string, options: Record<string, unknown>): Promise<number> {
  const run = await db().importRun.create({
    data: { source, file, options: options as Prisma.InputJsonValue },
    select: { id: true },
  });
  return run.id;
}

export async function reportImportProgress(runId: number, rowsRead: number): Promise<void> {
  await db().importRun.update({ where: { id: runId }, data: { rowsRead } });
}

export async function finishImportRun(
  runId: number,
  outcome: RunCounts & { status: "succeeded" | "failed"; errors: RowError[]; errorMessage?: string; durationMs: number },
): Promise<void> {
  await db().importRun.update({
    where: { id: runId },
    data: {
      status: outcome.status,
      rowsRead: outcome.rowsRead,
      inserted: outcome.inserted,
      duplicates: outcome.duplicates,
      rejected: outcome.rejected,
      usersCreated: outcome.usersCreated,
      itemsCreated: outcome.itemsCreated,
      errors: outcome.errors as unknown as Prisma.InputJsonValue,
      errorMessage: outcome.errorMessage ?? null,
      finishedAt: new Date(),
      durationMs: Math.round(outcome.durationMs),
    },
  });
}

/** One finished run in a single write (API requests: cheap, one row per request). */
export async function recordFinishedRun(
  source: string,
  file: string,
  options: Record<string, unknown>,
  outcome: RunCounts & { status: "succeeded" | "failed"; errors: RowError[]; errorMessage?: string; durationMs: number; startedAt: Date },
): Promise<number> {
  const run = await db().importRun.create({
    data: {
      source,
      file,
      options: options as Prisma.InputJsonValue,
      status: outcome.status,
      rowsRead: outcome.rowsRead,
      inserted: outcome.inserted,
      duplicates: outcome.duplicates,
      rejected: outcome.rejected,
      usersCreated: outcome.usersCreated,
      itemsCreated: outcome.itemsCreated,
      errors: outcome.errors as unknown as Prisma.InputJsonValue,
      errorMessage: outcome.errorMessage ?? null,
      startedAt: outcome.startedAt,
      finishedAt: new Date(),
      durationMs: Math.round(outcome.durationMs),
    },
    select: { id: true },
  });
  return run.id;
}

export interface ImportRunListItem {
  id: number;
  source: string;
  file: string;
  status: "running" | "succeeded" | "failed";
  options: unknown;
  rowsRead: number;
  inserted: number;
  duplicates: number;
  rejected: number;
  usersCreated: number;
  itemsCreated: number;
  errors: unknown;
  errorMessage: string | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
}

export const IMPORT_STATUSES = ["running", "succeeded", "failed"] as const;

export interface ImportRunPage {
  runs: ImportRunListItem[];
  total: number;
  page: number;
  pageSize: number;
}

/** Newest first, a page at a time (same paging as the users list). */
export async function listImportRuns(opts: {
  page: number;
  pageSize: number;
  source?: string;
  status?: (typeof IMPORT_STATUSES)[number];
}): Promise<ImportRunPage> {
  const where = {
    ...(opts.source ? { source: opts.source } : {}),
    ...(opts.status ? { status: opts.status } : {}),
  };
  const [rows, total] = await Promise.all([
    db().importRun.findMany({
      where,
      orderBy: { id: "desc" },
      skip: (opts.page - 1) * opts.pageSize,
      take: opts.pageSize,
    }),
    db().importRun.count({ where }),
  ]);
  return {
    runs: rows.map((r) => ({
      ...r,
      startedAt: r.startedAt.toISOString(),
      finishedAt: r.finishedAt?.toISOString() ?? null,
    })),
    total,
    page: opts.page,
    pageSize: opts.pageSize,
  };
}
