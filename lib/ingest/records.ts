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

// ---- PostgreSQL COPY text format -------------------------------------------------------------

const DAY_MS = 86_400_000;
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0"));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));
const dayPrefixes = new Map<number, string>();

/**
 * new Date(ms).toISOString() for 1970..9999, about three times faster: the date part is cached
 * per day and the time of day is assembled from lookup tables (it runs once per event).
 */
export function isoTimestamp(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    if (dayPrefixes.size > 100_000) dayPrefixes.clear();
    dayPrefixes.set(day, prefix);
  }
  let rest = ms - day * DAY_MS;
  const milli = rest % 1000;
  rest = (rest - milli) / 1000;
  const second = rest % 60;
  rest = (rest - second) / 60;
  return `${prefix}${TWO_DIGITS[(rest - (rest % 60)) / 60]}:${TWO_DIGITS[rest % 60]}:${TWO_DIGITS[second]}.${THREE_DIGITS[milli]}Z`;
}

/**
 * A batch of events, stored column by column (few objects per row: the garbage collector was
 * a third of the parsing time with one object per event). The part of each behaviors COPY line
 * that follows the two ids is built as events are added, so that this work overlaps with the
 * database writing the previous batch. Repeats of a (source, source event id) within the batch
 * are dropped here and counted as duplicates.
 */
export class EventBatch {
  readonly users: string[] = [];
  readonly items: string[] = [];
  readonly tsMs: number[] = [];
  readonly sourceEventIds: string[] = [];
  /** "\t<ts>\t<kind>\t<value>\t<text>\t<source>\t<source event id>\n" of the behaviors COPY line. */
  readonly tails: string[] = [];
  readonly files: number[] = [];
  readonly lines: number[] = [];
  /** Kept for the staging path (which re-encodes the rows with external ids). */
  readonly kinds: string[] = [];
  readonly values: (number | null)[] = [];
  readonly texts: (string | null)[] = [];
  readonly sources: string[] = [];
  duplicatesInBatch = 0;
  private readonly seen = new Map<string, Set<string>>();
  private lastSource = "";
  private lastSourceCopy = "";

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
    if (e.source !== this.lastSource) {
      this.lastSource = e.source;
      this.lastSourceCopy = copyText(e.source);
    }
    this.tails.push(
      `\t${isoTimestamp(e.tsMs)}\t${e.kind}\t${copyNumber(e.value)}\t${copyText(e.text)}\t` +
        `${this.lastSourceCopy}\t${copyText(e.sourceEventId)}\n`,
    );
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
