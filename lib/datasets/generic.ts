import fs from "node:fs";
import path from "node:path";
import { readRows, type Row } from "../ingest/delimited";
import { readLines } from "../ingest/lines";
import type { ProgressSink } from "../ingest/progress";
import { canonicalEventId, type ItemRecord } from "../ingest/records";
import { BatchBuffer, runImport, type ImportContext, type ImportStep, type ImportSummary } from "../ingest/session";
import {
  checkKind,
  checkRequiredText,
  checkSource,
  hasNul,
  hasReplacementChar,
  LIMITS,
  NUL_REASON,
  parseFiniteNumber,
  parseTimestamp,
  TIMESTAMP_FORMATS,
  truncate,
  type TimestampFormat,
} from "../ingest/validate";
import { checkTitle, DatasetError } from "./common";

/**
 * Any other behaviour log, as CSV (with a header row) or NDJSON (one JSON object per line),
 * with a column mapping: `user=uid,item=movie,ts=time,kind=action,value=score`.
 *
 * - Required: user, item, ts. Optional: kind (else the --kind default), value (a finite
 *   number), text (free text, e.g. a tag), id (the source event id; by default the sha256 of
 *   the canonical event, so identical rows are one event).
 * - Items the log mentions but the database does not have are created with title = their
 *   external id, unless an item catalogue is given (--items): then the catalogue is loaded
 *   first and events of items missing from it are rejected.
 * - External ids are used as they are (no prefix).
 */
export type LogFormat = "csv" | "ndjson";

export const MAPPABLE_FIELDS = ["user", "item", "ts", "kind", "value", "text", "id"] as const;
export type MappableField = (typeof MAPPABLE_FIELDS)[number];
export type ColumnMap = Partial<Record<MappableField, string>> & { user: string; item: string; ts: string };

export function parseColumnMap(spec: string): ColumnMap {
  const map: Partial<Record<MappableField, string>> = {};
  for (const part of spec
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = part.indexOf("=");
    const field = (eq === -1 ? part : part.slice(0, eq)).trim() as MappableField;
    const column = eq === -1 ? "" : part.slice(eq + 1).trim();
    if (!MAPPABLE_FIELDS.includes(field))
      throw new DatasetError(
        `--map: unknown field "${field}"; map any of ${MAPPABLE_FIELDS.join(", ")} (e.g. user=uid).`,
      );
    if (!column) throw new DatasetError(`--map: "${part}" names no column (write ${field}=<column>).`);
    if (map[field]) throw new DatasetError(`--map: ${field} is mapped twice.`);
    map[field] = column;
  }
  const missing = (["user", "item", "ts"] as const).filter((f) => !map[f]);
  if (missing.length > 0)
    throw new DatasetError(
      `--map must name the columns of ${missing.join(", ")} (e.g. --map user=uid,item=movie,ts=time).`,
    );
  return map as ColumnMap;
}

export interface EventLogImportOptions {
  format: LogFormat;
  map: ColumnMap;
  tsFormat: TimestampFormat;
  /** The kind of rows without a kind column. */
  kind?: string;
  /** The behaviours' source name; default the format ("csv" or "ndjson"). */
  source?: string;
  /** An item catalogue (CSV with a header or NDJSON): id, title, categories (CSV: "|"-separated), tags. */
  items?: string;
  /** CSV field separator; default ",". */
  delimiter?: string;
  strict?: boolean;
  progress?: ProgressSink;
  batchSize?: number;
}

export async function importEventLog(file: string, opts: EventLogImportOptions): Promise<ImportSummary> {
  assertFile(file);
  if (opts.items) assertFile(opts.items);
  const source = opts.source ?? opts.format;
  const invalid =
    checkSource(source) ??
    (TIMESTAMP_FORMATS.includes(opts.tsFormat) ? null : `--ts-format must be one of ${TIMESTAMP_FORMATS.join(", ")}`) ??
    (opts.map.kind || opts.kind
      ? null
      : "say what kind of behaviour the rows are: --kind <kind>, or map a column with kind=<column>") ??
    (opts.kind ? checkKind(opts.kind) : null);
  if (invalid) throw new DatasetError(invalid);
  return runImport({
    importer: opts.format,
    source,
    label: path.resolve(file),
    options: { map: opts.map, tsFormat: opts.tsFormat, kind: opts.kind, items: opts.items, delimiter: opts.delimiter },
    files: [opts.items, file].filter((f) => f !== undefined),
    policy: { unknownItems: opts.items ? "reject" : "create", unknownUsers: "create" },
    strict: Boolean(opts.strict),
    progress: opts.progress,
    batchSize: opts.batchSize,
    steps: (ctx) => eventLogSteps(ctx, file, opts),
  });
}

function assertFile(file: string): void {
  if (!fs.existsSync(file)) throw new DatasetError(`${file} does not exist.`);
  if (!fs.statSync(file).isFile()) throw new DatasetError(`${file} is not a file.`);
}

/** A row as field name -> raw value, from either format. */
type Record_ = { line: number; get(column: string): unknown };

export async function* eventLogSteps(
  ctx: ImportContext,
  file: string,
  opts: EventLogImportOptions,
): AsyncGenerator<ImportStep> {
  if (opts.items) {
    const catalogue: ItemRecord[] = [];
    for await (const item of readCatalogue(ctx, opts.items, opts.delimiter ?? ",")) {
      catalogue.push(item);
      if (catalogue.length >= 5_000) yield { type: "items", records: catalogue.splice(0) };
    }
    if (catalogue.length > 0) yield { type: "items", records: catalogue.splice(0) };
  }

  const events = new BatchBuffer(ctx.batchSize);
  const { map } = opts;
  const fileIndex = ctx.file(file);
  for await (const records of readRecords(ctx, file, fileIndex, opts.format, opts.delimiter ?? ",", map)) {
    for (const record of records) {
      const wrongType = checkScalars(record, map);
      if (wrongType) {
        ctx.reject(fileIndex, record.line, wrongType);
        continue;
      }
      const user = asText(record.get(map.user));
      const item = asText(record.get(map.item));
      const kind = map.kind ? asText(record.get(map.kind)) : opts.kind!;
      const text = map.text ? asText(record.get(map.text)) : undefined;
      const id = map.id ? asText(record.get(map.id)) : undefined;
      const rawTs = record.get(map.ts);
      let reason =
        checkRequiredText("user", user, LIMITS.externalId) ??
        checkRequiredText("item", item, LIMITS.externalId) ??
        checkKind(kind) ??
        (text ? checkRequiredText("text", text, LIMITS.text) : null) ??
        (map.id ? checkRequiredText("id", id, LIMITS.sourceEventId) : null);
      if (!reason && opts.tsFormat === "iso" && typeof rawTs === "number")
        reason = `bad timestamp ${rawTs}: a number, but --ts-format is iso (use epoch-s or epoch-ms)`;
      const ts = reason ? null : parseTimestamp(asText(rawTs), opts.tsFormat, ctx.nowMs);
      if (ts && !ts.ok) reason = ts.reason;
      let value: number | null = null;
      if (!reason && map.value) {
        const raw = record.get(map.value);
        if (raw !== undefined && raw !== null && raw !== "") {
          const parsed = parseFiniteNumber("value", asText(raw));
          if (parsed.ok) value = parsed.value;
          else reason = parsed.reason;
        }
      }
      if (reason || !ts || !ts.ok) {
        ctx.reject(fileIndex, record.line, reason ?? "bad timestamp");
        continue;
      }
      const event = {
        user: user!.trim(),
        item: item!.trim(),
        tsMs: ts.ms,
        kind: kind!,
        value,
        text: text || null,
        source: ctx.source,
      };
      events.current.add(
        { ...event, sourceEventId: id?.trim() || canonicalEventId(event) },
        { file: fileIndex, line: record.line },
      );
      const full = events.takeIfFull();
      if (full) yield { type: "events", batch: full };
    }
  }
  yield { type: "events", batch: events.take() };
}

/** NDJSON fields must be strings or numbers: an object, array or boolean is refused, not stringified into an id. */
function checkScalars(record: Record_, map: ColumnMap): string | null {
  for (const [field, column] of Object.entries(map)) {
    const value = column ? record.get(column) : undefined;
    if (value === undefined || value === null || typeof value === "string" || typeof value === "number") continue;
    const type = Array.isArray(value) ? "JSON array" : typeof value === "object" ? "JSON object" : typeof value;
    return `${field} is a ${type}; expected a string or number`;
  }
  return null;
}

/** JSON numbers (ids, epochs, values) are taken as their decimal text. */
function asText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** Streams CSV (header row first) or NDJSON rows as records; rejects rows that cannot be read. */
async function* readRecords(
  ctx: ImportContext,
  file: string,
  fileIndex: number,
  format: LogFormat,
  delimiter: string,
  map: Partial<Record<string, string>>,
): AsyncGenerator<Record_[]> {
  const needed = Object.values(map).filter((c): c is string => Boolean(c));
  if (format === "ndjson") {
    for await (const lines of readLines(file, { encoding: "utf8", onBytes: (n) => ctx.bytesRead(n) })) {
      const out: Record_[] = [];
      for (const { text, line } of lines) {
        if (text.trim() === "") continue;
        ctx.rowsRead(1);
        if (hasReplacementChar(text)) {
          ctx.reject(fileIndex, line, "invalid UTF-8 (replacement character U+FFFD in the row)");
          continue;
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch (err) {
          ctx.reject(fileIndex, line, `not valid JSON: ${(err as Error).message}`);
          continue;
        }
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
          ctx.reject(fileIndex, line, "expected a JSON object per line");
          continue;
        }
        const obj = parsed as Record<string, unknown>;
        out.push({ line, get: (column) => getPath(obj, column) });
      }
      if (out.length > 0) yield out;
    }
    return;
  }
  let header: Map<string, number> | undefined;
  for await (const rows of readRows(file, {
    encoding: "utf8",
    delimiter,
    quoted: true,
    onBytes: (n) => ctx.bytesRead(n),
  })) {
    let body: Row[] = rows;
    if (!header) {
      header = readHeader(file, rows[0]!, needed);
      body = rows.slice(1);
    }
    ctx.rowsRead(body.length);
    const columns = header;
    const out: Record_[] = [];
    for (const row of body) {
      if (row.error) {
        ctx.reject(fileIndex, row.line, row.error);
        continue;
      }
      if (row.fields.length !== columns.size) {
        ctx.reject(
          fileIndex,
          row.line,
          `${row.fields.length < columns.size ? "missing field: " : ""}expected ${columns.size} fields (as in the header), found ${row.fields.length}`,
        );
        continue;
      }
      out.push({ line: row.line, get: (column) => row.fields[columns.get(column)!] });
    }
    if (out.length > 0) yield out;
  }
}

function readHeader(file: string, row: Row, needed: string[]): Map<string, number> {
  if (row.error) throw new DatasetError(`${file}: the header row (line ${row.line}) cannot be read: ${row.error}`);
  const header = new Map(row.fields.map((name, i) => [name.trim(), i]));
  const missing = needed.filter((c) => !header.has(c));
  if (missing.length > 0) {
    throw new DatasetError(
      `${file}: no column ${missing.map((c) => `"${c}"`).join(", ")} in the header. ` +
        `Columns: ${[...header.keys()].map((c) => truncate(c, 40)).join(", ")}.`,
    );
  }
  return header;
}

/** "a.b" reads nested properties of NDJSON objects. */
function getPath(obj: Record<string, unknown>, column: string): unknown {
  if (column in obj) return obj[column];
  let current: unknown = obj;
  for (const key of column.split(".")) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** An item catalogue: CSV with a header (id, title[, categories][, tags]; lists "|"-separated) or NDJSON. */
async function* readCatalogue(ctx: ImportContext, file: string, delimiter: string): AsyncGenerator<ItemRecord> {
  const format: LogFormat = /\.(nd)?jsonl?$/i.test(file) || /\.ndjson$/i.test(file) ? "ndjson" : "csv";
  const fileIndex = ctx.file(file);
  const seen = new Set<string>();
  const map = { id: "id", title: "title" };
  for await (const records of readRecords(ctx, file, fileIndex, format, delimiter, map)) {
    for (const record of records) {
      const id = asText(record.get("id"))?.trim();
      const title = asText(record.get("title"))?.trim() ?? "";
      const reason = checkRequiredText("id", id, LIMITS.externalId) ?? checkTitle(title);
      const categories = asList(record.get("categories"));
      const tags = asList(record.get("tags"));
      const labels = [...(categories ?? []), ...(tags ?? [])];
      const labelReason = labels.some((c) => c.length > LIMITS.text)
        ? `a category or tag is over ${LIMITS.text} characters`
        : labels.some(hasNul)
          ? `a category or tag ${NUL_REASON}`
          : null;
      if (reason || labelReason) {
        ctx.reject(fileIndex, record.line, reason ?? labelReason!);
        continue;
      }
      if (seen.has(id!)) {
        ctx.reject(fileIndex, record.line, `duplicate item id "${truncate(id!)}"`);
        continue;
      }
      seen.add(id!);
      yield { externalId: id!, title, ...(categories ? { categories } : {}), ...(tags ? { tags } : {}) };
    }
  }
}

function asList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map((v) => String(v).trim()).filter(Boolean);
  return String(value)
    .split("|")
    .map((v) => v.trim())
    .filter(Boolean);
}
