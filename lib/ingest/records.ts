import crypto from "node:crypto";

/** One behaviour, as every ingestion path hands it to the loader (ids are external ids). */
export interface BehaviorEvent {
  user: string;
  item: string;
  /** Epoch milliseconds. */
  tsMs: number;
  kind: string;
  value: number | null;
  text: string | null;
  source: string;
  sourceEventId: string;
}

/** Where a staged row came from, so that rows rejected later (unknown item) can be reported. */
export interface RowOrigin {
  /** Index into the import's list of files (0 for API requests). */
  file: number;
  /** File line, or the event's index in an API request. */
  line: number;
}

export interface ItemRecord {
  externalId: string;
  title: string;
  /** Omitted: keep what the item has (an existing item's categories are not cleared). */
  categories?: string[];
  tags?: string[];
  /** Merged into the item's attributes (keys given here win). */
  attributes?: Record<string, unknown>;
}

/** Categories/tags computed after the events were read (e.g. an artist's most frequent tags). */
export interface ItemLabels {
  externalId: string;
  categories?: string[];
  tags?: string[];
}

export interface UserRecord {
  externalId: string;
  /** Merged into the user's attributes (keys given here win). */
  attributes: Record<string, unknown>;
}

/**
 * The default source event id: sha256 of the canonical event, so that sending or importing the
 * same event again is recognised as a duplicate. Events equal in every field are one event.
 */
export function canonicalEventId(e: Pick<BehaviorEvent, "user" | "item" | "tsMs" | "kind" | "value" | "text">): string {
  return crypto
    .createHash("sha256")
    .update(JSON.stringify([e.user, e.item, e.tsMs, e.kind, e.value ?? null, e.text ?? null]))
    .digest("hex");
}

// ---- PostgreSQL COPY text format -------------------------------------------------------------

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIAL_ALL = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** A text value for COPY ... FROM STDIN (text format); null is \N. */
export function copyText(value: string | null | undefined): string {
  if (value === null || value === undefined) return "\\N";
  return COPY_SPECIAL.test(value) ? value.replace(COPY_SPECIAL_ALL, (c) => COPY_ESCAPES[c]!) : value;
}

export function copyNumber(value: number | null | undefined): string {
  return value === null || value === undefined ? "\\N" : String(value);
}

/** A text[] value for COPY: an array literal with every element quoted. */
export function copyTextArray(values: readonly string[] | null | undefined): string {
  if (values === null || values === undefined) return "\\N";
  return copyText(`{${values.map((v) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(",")}}`);
}

export function copyJson(value: unknown): string {
  return value === undefined ? "\\N" : copyText(JSON.stringify(value));
}

/**
 * A batch of events encoded for COPY as they are produced, so that building the next batch
 * overlaps with the database writing the previous one. Repeats of a (source, source event id)
 * within the batch are dropped here and counted as duplicates.
 */
export class EventBatch {
  readonly lines: string[] = [];
  duplicatesInBatch = 0;
  private readonly keys = new Set<string>();

  get size(): number {
    return this.lines.length;
  }

  add(e: BehaviorEvent, origin: RowOrigin): void {
    const key = `${e.source}\u0000${e.sourceEventId}`;
    if (this.keys.has(key)) {
      this.duplicatesInBatch++;
      return;
    }
    this.keys.add(key);
    this.lines.push(
      `${origin.file}\t${origin.line}\t${copyText(e.user)}\t${copyText(e.item)}\t${e.tsMs}\t${e.kind}\t` +
        `${copyNumber(e.value)}\t${copyText(e.text)}\t${copyText(e.source)}\t${copyText(e.sourceEventId)}\n`,
    );
  }
}
