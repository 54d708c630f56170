import fs from "node:fs";
import path from "node:path";
import { pool } from "../db/client";
import { BehaviorLoader, type LoaderPolicy } from "./loader";
import { noProgress, type ProgressSink } from "./progress";
import { EventBatch, type ItemLabels, type ItemRecord, type UserRecord } from "./records";
import type { RowError, RunCounts } from "./contract";
import { finishImportRun, reportImportProgress, startImportRun } from "./runs";

/** What an importer produces, in order. Items and users come before the events that use them. */
export type ImportStep =
  | { type: "items"; records: ItemRecord[] }
  | { type: "users"; records: UserRecord[] }
  | { type: "events"; batch: EventBatch }
  | { type: "itemLabels"; records: ItemLabels[] };

/** Handed to an importer: where to report rows, rejections and bytes read. */
export interface ImportContext {
  /** The behaviours' source name (their namespace for source event ids). */
  readonly source: string;
  /** "Now" for the far-future timestamp check, fixed at the start of the import. */
  readonly nowMs: number;
  /** Events per batch: a batch is one COPY + one merge. */
  readonly batchSize: number;
  /** Registers a file about to be read; its index goes into each row's origin. */
  file(path: string): number;
  reject(file: number, line: number, reason: string): void;
  rowsRead(count: number): void;
  bytesRead(count: number): void;
  /**
   * Something the user should know about this import that is not a rejected row (which file
   * was read, rows handled by an option): shown by the CLI and kept in the run's options.report.
   */
  report(key: string, value: unknown): void;
}

export interface ImportSpec {
  /** import_runs.source: movielens, lastfm, csv, ndjson. */
  importer: string;
  /** The behaviours' source name. */
  source: string;
  /** import_runs.file: the folder or file given on the command line. */
  label: string;
  options: Record<string, unknown>;
  /** Every file the importer may read, for the progress total. */
  files: string[];
  policy: LoaderPolicy;
  /** All-or-nothing: any rejected row means nothing is written. */
  strict: boolean;
  progress?: ProgressSink;
  batchSize?: number;
  steps(ctx: ImportContext): AsyncIterable<ImportStep>;
}

export interface ImportSummary extends RunCounts {
  runId: number;
  importer: string;
  source: string;
  status: "succeeded" | "failed";
  files: string[];
  durationMs: number;
  /** Behaviour rows processed (inserted + duplicates) per second. */
  eventsPerSec: number;
  /** The first 100 rejected rows. */
  errors: RowError[];
  errorMessage?: string;
  /** What the importer reported (ImportContext.report), by key. */
  report: Record<string, unknown>;
  /**
   * The UBSP partitions advanced by the new behaviours before the commit (same transaction;
   * lib/partitions/advance.ts): included in durationMs, shown apart since it is not ingestion.
   */
  partitions: { events: number; sealed: number; durationMs: number };
}

export const MAX_REPORTED_ERRORS = 100;
const DEFAULT_BATCH_SIZE = 25_000;

/**
 * Runs one import: records it in import_runs, streams the importer's steps into a
 * BehaviorLoader (one transaction), and commits unless it failed or --strict saw a bad row.
 * The importer's next batch is parsed while the database merges the current one.
 */
export async function runImport(spec: ImportSpec): Promise<ImportSummary> {
  const started = performance.now();
  const runId = await startImportRun(spec.importer, spec.label, {
    ...spec.options,
    source: spec.source,
    strict: spec.strict,
  });
  const progress = spec.progress ?? noProgress;
  const files: string[] = [];
  const errors: RowError[] = [];
  const counts = { rowsRead: 0, inserted: 0, duplicates: 0, rejected: 0, usersCreated: 0, itemsCreated: 0 };
  let bytes = 0;
  const report: Record<string, unknown> = {};

  const reject = (file: string, line: number, reason: string) => {
    counts.rejected++;
    if (errors.length < MAX_REPORTED_ERRORS) errors.push({ file, line, reason });
  };
  const ctx: ImportContext = {
    source: spec.source,
    nowMs: Date.now(),
    batchSize: spec.batchSize ?? DEFAULT_BATCH_SIZE,
    file(file) {
      files.push(path.resolve(file));
      return files.length - 1;
    },
    reject: (file, line, reason) => reject(files[file] ?? "?", line, reason),
    rowsRead(count) {
      counts.rowsRead += count;
    },
    bytesRead(count) {
      bytes += count;
      progress.update(bytes, counts.rowsRead);
    },
    report(key, value) {
      report[key] = value;
    },
  };

  progress.start(spec.files.reduce((sum, f) => sum + fileSize(f), 0));
  let loader: BehaviorLoader | undefined;
  let progressWrite: Promise<void> = Promise.resolve();
  let failure: string | undefined;
  let partitions: ImportSummary["partitions"] = { events: 0, sealed: 0, durationMs: 0 };
  try {
    loader = await BehaviorLoader.open(pool(), spec.policy);
    const open = loader;
    await forEachPrefetched(spec.steps(ctx), async (step) => {
      switch (step.type) {
        case "items":
          counts.itemsCreated += (await open.upsertItems(step.records)).created;
          break;
        case "users":
          counts.usersCreated += (await open.upsertUsers(step.records)).created;
          break;
        case "itemLabels":
          await open.setItemLabels(step.records);
          break;
        case "events": {
          const write = !(spec.strict && counts.rejected > 0);
          const outcome = await open.loadEvents(step.batch, { write });
          counts.inserted += outcome.inserted;
          counts.duplicates += outcome.duplicates;
          counts.usersCreated += outcome.usersCreated;
          counts.itemsCreated += outcome.itemsCreated;
          for (const r of outcome.rejected) ctx.reject(r.file, r.line, r.reason);
          const rowsSoFar = counts.rowsRead;
          progressWrite = progressWrite.then(() => reportImportProgress(runId, rowsSoFar)).catch(() => {});
          break;
        }
      }
    });
    if (spec.strict && counts.rejected > 0) {
      failure = `--strict: ${counts.rejected} row(s) rejected, so nothing was written`;
      await loader.rollback();
    } else {
      const committed = await loader.commit();
      partitions = {
        events: committed.partitions.events,
        sealed: committed.partitions.sealed,
        durationMs: Math.round(committed.partitionsMs),
      };
    }
  } catch (err) {
    failure = (err as Error)?.message ?? String(err);
    if (process.env.LIBER_DEBUG) console.error(err);
    await loader?.rollback();
  } finally {
    progress.update(bytes, counts.rowsRead);
    progress.stop();
  }
  if (failure) {
    Object.assign(counts, { inserted: 0, duplicates: 0, usersCreated: 0, itemsCreated: 0 });
    partitions = { events: 0, sealed: 0, durationMs: 0 };
  }

  // Rows are rejected while parsing and (unknown items) after a batch: list them in file order.
  const fileOrder = new Map(files.map((f, i) => [f, i]));
  errors.sort((a, b) => (fileOrder.get(a.file) ?? 0) - (fileOrder.get(b.file) ?? 0) || a.line - b.line);
  const durationMs = performance.now() - started;
  const status = failure ? "failed" : "succeeded";
  await progressWrite;
  await finishImportRun(runId, { ...counts, status, errors, errorMessage: failure, durationMs, report });
  return {
    runId,
    importer: spec.importer,
    source: spec.source,
    status,
    files,
    ...counts,
    durationMs: Math.round(durationMs),
    eventsPerSec: Math.round((counts.inserted + counts.duplicates) / Math.max(durationMs / 1000, 1e-3)),
    errors,
    ...(failure ? { errorMessage: failure } : {}),
    report,
    partitions,
  };
}

/**
 * Steps asked for ahead of the one being written: while the writer waits on PostgreSQL, the
 * parser (same event loop) fills a few batches ahead, so the writer seldom waits for one.
 * One ahead left the event loop idle during most of each COPY; three took ~5% off an import.
 */
const PREFETCH = 3;

/**
 * Consumes an async iterable while already asking for its next elements (PREFETCH), so the
 * producer (file parsing, in this process) runs while the consumer waits on the database.
 */
async function forEachPrefetched<T>(source: AsyncIterable<T>, consume: (value: T) => Promise<void>): Promise<void> {
  const it = source[Symbol.asyncIterator]();
  const pending: Promise<IteratorResult<T>>[] = [];
  const ask = () => {
    const next = it.next();
    next.catch(() => {}); // awaited later; avoid an unhandled-rejection warning meanwhile
    pending.push(next);
  };
  try {
    for (let k = 0; k < PREFETCH; k++) ask();
    for (;;) {
      const current = await pending.shift()!;
      if (current.done) return;
      ask();
      await consume(current.value);
    }
  } catch (err) {
    // Let the producer close its files before the error propagates.
    await Promise.allSettled(pending);
    await it.return?.(undefined).catch(() => {});
    throw err;
  }
}

/** A batch builder that yields full batches: importers call add() and then flush(). */
export class BatchBuffer {
  private batch: EventBatch;

  constructor(private readonly size: number) {
    this.batch = new EventBatch(size);
  }

  get current(): EventBatch {
    return this.batch;
  }

  /** The full batch to yield (and a fresh one started), or null while it is not full. */
  takeIfFull(): EventBatch | null {
    if (this.batch.size + this.batch.duplicatesInBatch < this.size) return null;
    return this.take();
  }

  take(): EventBatch {
    const full = this.batch;
    this.batch = new EventBatch(this.size);
    return full;
  }
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
