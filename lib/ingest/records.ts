import crypto from "node:crypto";
import { copyNumber, copyText } from "../db/copy";

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

/**
 * A batch of events, stored column by column (few objects per row: the garbage collector was
 * a third of the parsing time with one object per event). The loader writes the COPY data
 * from these columns (lib/db/copy-writer.ts). Repeats of a (source, source event id) within
 * the batch are dropped here and counted as duplicates.
 */
export class EventBatch {
  readonly users: string[] = [];
  readonly items: string[] = [];
  readonly tsMs: number[] = [];
  readonly sourceEventIds: string[] = [];
  readonly files: number[] = [];
  readonly lines: number[] = [];
  readonly kinds: string[] = [];
  readonly values: (number | null)[] = [];
  readonly texts: (string | null)[] = [];
  readonly sources: string[] = [];
  duplicatesInBatch = 0;
  private readonly seen = new Map<string, Set<string>>();

  get size(): number {
    return this.users.length;
  }

  /** The one source of all events, or null when they come from several. */
  get singleSource(): string | null {
    return this.seen.size === 1 ? this.seen.keys().next().value! : null;
  }

  add(e: BehaviorEvent, origin: RowOrigin): void {
    let seen = this.seen.get(e.source);
    if (!seen) this.seen.set(e.source, (seen = new Set()));
    if (seen.has(e.sourceEventId)) {
      this.duplicatesInBatch++;
      return;
    }
    seen.add(e.sourceEventId);
    this.users.push(e.user);
    this.items.push(e.item);
    this.tsMs.push(e.tsMs);
    this.sourceEventIds.push(e.sourceEventId);
    this.kinds.push(e.kind);
    this.values.push(e.value);
    this.texts.push(e.text);
    this.sources.push(e.source);
    this.files.push(origin.file);
    this.lines.push(origin.line);
  }

  /** Row i as a line of the staging table (file, line, user_ext, item_ext, ts_ms, kind, value, text, source, sid). */
  stageLine(i: number): string {
    return (
      `${this.files[i]}\t${this.lines[i]}\t${copyText(this.users[i])}\t${copyText(this.items[i])}\t${this.tsMs[i]}\t` +
      `${this.kinds[i]}\t${copyNumber(this.values[i])}\t${copyText(this.texts[i])}\t${copyText(this.sources[i])}\t` +
      `${copyText(this.sourceEventIds[i])}\n`
    );
  }
}
