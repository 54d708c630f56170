// The ingest wire types: import runs (GET /api/imports, the CLI's import summary) shared by the
// lib code that writes them and the browser screens that show them. Types only.

/** interrupted: the process running the import died (marked at the next start, lib/db/stale-runs.ts). */
export type ImportRunStatus = "running" | "succeeded" | "failed" | "interrupted";

/** A rejected row as reported to people: which file, which line, and why. */
export interface RowError {
  file: string;
  line: number;
  reason: string;
}

/** What one import did, row by row. */
export interface RunCounts {
  rowsRead: number;
  inserted: number;
  duplicates: number;
  rejected: number;
  usersCreated: number;
  itemsCreated: number;
}

/** One row of GET /api/imports. */
export interface ImportRun extends RunCounts {
  id: number;
  source: string;
  file: string;
  status: ImportRunStatus;
  options: unknown;
  /** The first rejected rows (RowError[]; a JSON column, so an old or hand-edited run may hold anything). */
  errors: unknown;
  errorMessage: string | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
}

/** GET /api/imports: newest first, a page at a time. */
export interface ImportRunPage {
  runs: ImportRun[];
  total: number;
  page: number;
  pageSize: number;
}
