// The wire contract of GET /api/imports (built with the importers): import runs, newest first.

/** interrupted: the process running the import died (marked at the next start). */
export type ImportRunStatus = "running" | "succeeded" | "failed" | "interrupted";

export interface ImportRowError {
  file: string;
  line: number;
  reason: string;
}

export interface ImportRunDto {
  id: number;
  source: string;
  file: string;
  status: ImportRunStatus;
  rowsRead: number;
  inserted: number;
  duplicates: number;
  rejected: number;
  usersCreated: number;
  itemsCreated: number;
  /** The first rejected rows (capped by the importer; `rejected` is the full count). */
  errors: ImportRowError[];
  errorMessage: string | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
}

export interface ImportRunPage {
  runs: ImportRunDto[];
  total: number;
}
