import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { readRows, type DelimitedOptions, type Row } from "../ingest/delimited";
import type { ProgressSink } from "../ingest/progress";
import { runImport, type ImportContext, type ImportStep, type ImportSummary } from "../ingest/session";
import { checkRequiredText, checkSource, LIMITS } from "../ingest/validate";

/** A dataset folder or file that cannot be imported as asked (wrong layout, bad header...). */
export class DatasetError extends Error {
  override name = "DatasetError";
}

/** Options shared by the dataset importers (MovieLens, Last.fm). */
export interface DatasetImportOptions {
  /** All-or-nothing: any bad row and nothing is written. */
  strict?: boolean;
  /** The behaviours' source name; default "movielens" / "lastfm". */
  source?: string;
  /**
   * Prefix of user and item external ids; default none (the dataset's own ids, e.g. "1").
   * Give one (e.g. "lastfm:") when the database already holds another dataset whose ids
   * overlap: MovieLens user 1 and Last.fm user 1 are otherwise the same user.
   */
  idPrefix?: string;
  progress?: ProgressSink;
  batchSize?: number;
}

/**
 * What every dataset importer (MovieLens, Last.fm) does around its own steps: check the source
 * name and the id prefix, then run the import with one policy: events of items missing from
 * the catalogue are rejected; users are whoever appears in the log.
 */
export function runDatasetImport(spec: {
  /** The importer's name, also the default source. */
  importer: string;
  dir: string;
  opts: DatasetImportOptions;
  /** Recorded with the run, before the id prefix. */
  options?: Record<string, unknown>;
  files: (string | undefined)[];
  steps: (ctx: ImportContext, prefix: string) => AsyncIterable<ImportStep>;
}): Promise<ImportSummary> {
  const source = spec.opts.source ?? spec.importer;
  const badSource = checkSource(source);
  if (badSource) throw new DatasetError(badSource);
  const prefix = resolvePrefix(spec.opts.idPrefix);
  return runImport({
    importer: spec.importer,
    source,
    label: path.resolve(spec.dir),
    options: { ...spec.options, idPrefix: prefix },
    files: spec.files.filter((f): f is string => f !== undefined),
    policy: { unknownItems: "reject", unknownUsers: "create" },
    strict: Boolean(spec.opts.strict),
    progress: spec.opts.progress,
    batchSize: spec.opts.batchSize,
    steps: (ctx) => spec.steps(ctx, prefix),
  });
}

export function resolvePrefix(idPrefix: string | undefined): string {
  if (idPrefix && (idPrefix.length > 64 || /[\s]/.test(idPrefix))) {
    throw new DatasetError(`--id-prefix "${idPrefix.slice(0, 70)}": use at most 64 characters and no spaces.`);
  }
  return idPrefix ?? "";
}

/** The first existing file among the names, in the folder. */
export function findFile(dir: string, ...names: string[]): string | undefined {
  for (const name of names) {
    const file = path.join(dir, name);
    if (fs.existsSync(file) && fs.statSync(file).isFile()) return file;
  }
  return undefined;
}

export function assertDirectory(dir: string): void {
  if (!fs.existsSync(dir)) throw new DatasetError(`${dir} does not exist.`);
  if (!fs.statSync(dir).isDirectory()) throw new DatasetError(`${dir} is not a folder: give the dataset's folder.`);
}

/**
 * Streams the rows of one file of an import: registers the file, counts rows and bytes,
 * rejects rows that could not be split and rows with the wrong number of fields, and checks
 * the header when the file has one.
 */
export async function* datasetRows(
  ctx: ImportContext,
  file: string,
  opts: Omit<DelimitedOptions, "onBytes"> & { fields: number; header?: readonly string[] },
): AsyncGenerator<{ fileIndex: number; rows: Row[] }> {
  const fileIndex = ctx.file(file);
  let first = true;
  for await (const chunk of readRows(file, { ...opts, onBytes: (n) => ctx.bytesRead(n) })) {
    let rows = chunk;
    if (first && opts.header) {
      first = false;
      const head = rows[0]!;
      const found = head.fields.map((f) => f.trim());
      if (head.error || found.join("\u0000").toLowerCase() !== opts.header.join("\u0000").toLowerCase()) {
        throw new DatasetError(
          `${file}: expected the header "${opts.header.join(opts.delimiter)}" on line ${head.line}, ` +
            `found "${found.join(opts.delimiter).slice(0, 200)}". Is this the right file?`,
        );
      }
      rows = rows.slice(1);
    }
    ctx.rowsRead(rows.length);
    const good: Row[] = [];
    for (const row of rows) {
      if (row.error) ctx.reject(fileIndex, row.line, row.error);
      else if (row.fields.length < opts.fields)
        ctx.reject(fileIndex, row.line, `missing field: expected ${opts.fields} fields, found ${row.fields.length}`);
      else if (row.fields.length > opts.fields)
        ctx.reject(fileIndex, row.line, `expected ${opts.fields} fields, found ${row.fields.length}`);
      else good.push(row);
    }
    if (good.length > 0) yield { fileIndex, rows: good };
  }
}

/** Ids in MovieLens and Last.fm files are non-negative integers. */
export function checkNumericId(name: string, raw: string): string | null {
  return /^\d{1,18}$/.test(raw) ? null : `bad ${name} "${raw.slice(0, 40)}": expected a number`;
}

/** Epoch seconds or milliseconds as written in the files: an optionally signed integer. */
export function checkEpochInteger(raw: string): string | null {
  return /^-?\d{1,16}$/.test(raw) ? null : `bad timestamp "${raw.slice(0, 30)}": expected an integer`;
}

export function checkTitle(title: string): string | null {
  return checkRequiredText("title", title, LIMITS.title);
}

/** "Toy Story (1995)" -> 1995 */
export function yearFromTitle(title: string): number | undefined {
  const m = /\((\d{4})(?:[–-]\d{0,4})?\)\s*$/.exec(title);
  return m ? Number(m[1]) : undefined;
}

export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** Short, index-safe key part: long free text (a tag) is replaced by its hash. */
export function idPart(text: string): string {
  return text.length <= 100 ? text : crypto.createHash("sha256").update(text).digest("hex");
}

/** Counts how often each tag was applied to each item, to label items with their top tags. */
export class TagCounter {
  private readonly counts = new Map<string, Map<string, number>>();

  add(item: string, tag: string): void {
    const normalised = tag.trim().toLowerCase();
    if (!normalised) return;
    let perItem = this.counts.get(item);
    if (!perItem) this.counts.set(item, (perItem = new Map()));
    perItem.set(normalised, (perItem.get(normalised) ?? 0) + 1);
  }

  get size(): number {
    return this.counts.size;
  }

  /** Each item's tags, most frequent first (ties alphabetical), at most `limit`. */
  *top(limit: number): Generator<{ item: string; tags: string[] }> {
    for (const [item, perItem] of this.counts) {
      const tags = [...perItem]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .slice(0, limit)
        .map(([tag]) => tag);
      yield { item, tags };
    }
  }
}
