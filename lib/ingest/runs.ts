import { safeText } from "../api/nul";
import { db, pool } from "../db/client";
import { sqlTextLiteral } from "../db/copy";
import { currentProcess } from "../db/process-identity";
import type { ImportRun, ImportRunPage, ImportRunStatus, RowError, RunCounts } from "./contract";

/**
 * import_runs bookkeeping. These writes go through their own connection, outside the import's
 * transaction: a running import is visible while it runs, and a failed one stays recorded.
 * Plain SQL on the pool rather than Prisma: a command-line import then never pays for
 * starting Prisma's query engine.
 */
export async function startImportRun(source: string, file: string, options: Record<string, unknown>): Promise<number> {
  // The owner, so that the next start can tell a run whose process was killed (lib/db/stale-runs.ts).
  const owner = currentProcess();
  const { rows } = await pool().query<{ id: number }>(
    `INSERT INTO import_runs (source, file, options, owner_pid, owner_host, owner_start_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [source, file, JSON.stringify(options), owner.pid, owner.host, owner.startId],
  );
  return rows[0]!.id;
}

export async function reportImportProgress(runId: number, rowsRead: number): Promise<void> {
  await pool().query(`UPDATE import_runs SET rows_read = $2, heartbeat_at = now() WHERE id = $1`, [runId, rowsRead]);
}

type RunOutcome = RunCounts & {
  status: "succeeded" | "failed";
  errors: RowError[];
  errorMessage?: string;
  durationMs: number;
};

const OUTCOME_VALUES = (o: RunOutcome) => [
  o.status,
  o.rowsRead,
  o.inserted,
  o.duplicates,
  o.rejected,
  o.usersCreated,
  o.itemsCreated,
  // Reasons quote file contents and request input: PostgreSQL refuses U+0000 and lone surrogates.
  JSON.stringify(o.errors.map((e) => ({ ...e, file: safeText(e.file), reason: safeText(e.reason) }))),
  o.errorMessage === undefined ? null : safeText(o.errorMessage),
  Math.round(o.durationMs),
];

/** `report`: what the importer found worth saying (kept in options.report; see ImportContext.report). */
export async function finishImportRun(
  runId: number,
  outcome: RunOutcome & { report?: Record<string, unknown> },
): Promise<void> {
  await pool().query(
    `UPDATE import_runs SET status = $2::import_status, rows_read = $3, inserted = $4, duplicates = $5, rejected = $6,
            users_created = $7, items_created = $8, errors = $9::jsonb, error_message = $10, duration_ms = $11,
            finished_at = now(),
            options = CASE WHEN $12::jsonb = '{}' THEN options ELSE options || jsonb_build_object('report', $12::jsonb) END
      WHERE id = $1`,
    [runId, ...OUTCOME_VALUES(outcome), JSON.stringify(outcome.report ?? {})],
  );
}

const FINISHED_RUN_SQL = `INSERT INTO import_runs (source, file, options, status, rows_read, inserted, duplicates, rejected, users_created,
                              items_created, errors, error_message, duration_ms, started_at, finished_at)
     VALUES ($1, $2, $3, $4::import_status, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13, $14, clock_timestamp())`;

type FinishedRun = RunOutcome & { startedAt: Date };

const finishedRunValues = (source: string, file: string, options: Record<string, unknown>, outcome: FinishedRun) => [
  source,
  file,
  JSON.stringify(options),
  ...OUTCOME_VALUES(outcome),
  outcome.startedAt,
];

/** One finished run in a single write (API requests: cheap, one row per request). */
export async function recordFinishedRun(
  source: string,
  file: string,
  options: Record<string, unknown>,
  outcome: FinishedRun,
): Promise<number> {
  const { rows } = await pool().query<{ id: number }>(
    `${FINISHED_RUN_SQL} RETURNING id`,
    finishedRunValues(source, file, options, outcome),
  );
  return rows[0]!.id;
}

/**
 * The same write as one statement with its values inlined (text through sqlTextLiteral), for a
 * caller that sends it in the round trip of its COMMIT: the run is then recorded in the
 * transaction that wrote its events.
 */
export function finishedRunStatement(
  source: string,
  file: string,
  options: Record<string, unknown>,
  outcome: FinishedRun,
): string {
  const values = finishedRunValues(source, file, options, outcome);
  return FINISHED_RUN_SQL.replace(/\$(\d+)/g, (_, n: string) => {
    const v = values[Number(n) - 1];
    if (v === null || v === undefined) return "NULL";
    if (typeof v === "number") {
      if (!Number.isFinite(v)) throw new Error(`finishedRunStatement: not a finite number: ${v}`);
      return String(v);
    }
    return sqlTextLiteral(v instanceof Date ? v.toISOString() : String(v));
  });
}

export const IMPORT_STATUSES = [
  "running",
  "succeeded",
  "failed",
  "interrupted",
] as const satisfies readonly ImportRunStatus[];

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
    runs: rows.map((r): ImportRun => ({
      ...r,
      startedAt: r.startedAt.toISOString(),
      finishedAt: r.finishedAt?.toISOString() ?? null,
    })),
    total,
    page: opts.page,
    pageSize: opts.pageSize,
  };
}
