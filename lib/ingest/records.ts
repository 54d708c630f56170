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
 * Distinct strings of one column of a batch, each with a small code: the batch stores codes,
 * so that a string met on many rows (a user, an item, a kind) is held once, and the loader
 * resolves each distinct one once.
 */
class StringCodes {
  readonly values: string[] = [];
  private readonly codes = new Map<string, number>();
  private last = -1;

  code(value: string): number {
    // Rows often repeat the previous row's value (files sorted by user; one kind, one source).
    if (this.last >= 0 && this.values[this.last] === value) return this.last;
    let code = this.codes.get(value);
    if (code === undefined) {
      code = this.values.length;
      this.values.push(value);
      this.codes.set(value, code);
    }
    this.last = code;
    return code;
  }
}

/**
 * A batch of events, stored column by column in typed arrays, with users, items, kinds and
 * sources as codes into per-batch lists of distinct strings: a 25,000-event batch is a few
 * objects rather than ten per row, which keeps the garbage collector's work (it copies every
 * live object of the young generation, and batches live until they are written) and the
 * loader's per-row lookups small. The loader writes the COPY data from these columns
 * (lib/db/copy-writer.ts). Repeats of a (source, source event id) within the batch are
 * dropped here and counted as duplicates.
 */
export class EventBatch {
  private n = 0;
  private userCodes: Int32Array;
  private itemCodes: Int32Array;
  private kindCodes: Int32Array;
  private sourceCodes: Int32Array;
  private timestamps: Float64Array;
  private numbers: Float64Array;
  /** 1 where the event has a value (numbers[i] is then it). */
  private hasNumber: Uint8Array;
  private fileIndexes: Int32Array;
  private lineNumbers: Int32Array;
  private readonly sids: string[] = [];
  /** Texts by row: most events have none. */
  private readonly texts = new Map<number, string>();
  private readonly users = new StringCodes();
  private readonly items = new StringCodes();
  private readonly kinds = new StringCodes();
  private readonly sources = new StringCodes();
  duplicatesInBatch = 0;
  private readonly seen = new Map<string, Set<string>>();

  /** `capacity`: events expected (the arrays grow past it). */
  constructor(capacity = 1024) {
    const c = Math.max(16, capacity);
    this.userCodes = new Int32Array(c);
    this.itemCodes = new Int32Array(c);
    this.kindCodes = new Int32Array(c);
    this.sourceCodes = new Int32Array(c);
    this.timestamps = new Float64Array(c);
    this.numbers = new Float64Array(c);
    this.hasNumber = new Uint8Array(c);
    this.fileIndexes = new Int32Array(c);
    this.lineNumbers = new Int32Array(c);
  }

  get size(): number {
    return this.n;
  }

  /** The one source of all events, or null when they come from several. */
  get singleSource(): string | null {
    return this.seen.size === 1 ? this.seen.keys().next().value! : null;
  }

  /** The distinct user and item external ids of the batch; userCode(i) / itemCode(i) index them. */
  get distinctUsers(): readonly string[] {
    return this.users.values;
  }

  get distinctItems(): readonly string[] {
    return this.items.values;
  }

  add(e: BehaviorEvent, origin: RowOrigin): void {
    let seen = this.seen.get(e.source);
    if (!seen) this.seen.set(e.source, (seen = new Set()));
    if (seen.has(e.sourceEventId)) {
      this.duplicatesInBatch++;
      return;
    }
    seen.add(e.sourceEventId);
    if (this.n === this.timestamps.length) this.grow();
    const i = this.n++;
    this.userCodes[i] = this.users.code(e.user);
    this.itemCodes[i] = this.items.code(e.item);
    this.kindCodes[i] = this.kinds.code(e.kind);
    this.sourceCodes[i] = this.sources.code(e.source);
    this.timestamps[i] = e.tsMs;
    if (e.value !== null) {
      this.numbers[i] = e.value;
      this.hasNumber[i] = 1;
    }
    if (e.text !== null) this.texts.set(i, e.text);
    this.fileIndexes[i] = origin.file;
    this.lineNumbers[i] = origin.line;
    this.sids.push(e.sourceEventId);
  }

  private grow(): void {
    const c = this.timestamps.length * 2;
    const widen = <A extends Int32Array | Float64Array | Uint8Array>(a: A, make: (n: number) => A): A => {
      const b = make(c);
      b.set(a);
      return b;
    };
    this.userCodes = widen(this.userCodes, (k) => new Int32Array(k));
    this.itemCodes = widen(this.itemCodes, (k) => new Int32Array(k));
    this.kindCodes = widen(this.kindCodes, (k) => new Int32Array(k));
    this.sourceCodes = widen(this.sourceCodes, (k) => new Int32Array(k));
    this.timestamps = widen(this.timestamps, (k) => new Float64Array(k));
    this.numbers = widen(this.numbers, (k) => new Float64Array(k));
    this.hasNumber = widen(this.hasNumber, (k) => new Uint8Array(k));
    this.fileIndexes = widen(this.fileIndexes, (k) => new Int32Array(k));
    this.lineNumbers = widen(this.lineNumbers, (k) => new Int32Array(k));
  }

  userCode(i: number): number {
    return this.userCodes[i]!;
  }

  itemCode(i: number): number {
    return this.itemCodes[i]!;
  }

  user(i: number): string {
    return this.users.values[this.userCodes[i]!]!;
  }

  item(i: number): string {
    return this.items.values[this.itemCodes[i]!]!;
  }

  tsMs(i: number): number {
    return this.timestamps[i]!;
  }

  kind(i: number): string {
    return this.kinds.values[this.kindCodes[i]!]!;
  }

  value(i: number): number | null {
    return this.hasNumber[i] ? this.numbers[i]! : null;
  }

  text(i: number): string | null {
    return this.texts.get(i) ?? null;
  }

  source(i: number): string {
    return this.sources.values[this.sourceCodes[i]!]!;
  }

  sourceEventId(i: number): string {
    return this.sids[i]!;
  }

  file(i: number): number {
    return this.fileIndexes[i]!;
  }

  line(i: number): number {
    return this.lineNumbers[i]!;
  }

  /** Row i as a line of the staging table (file, line, user_ext, item_ext, ts_ms, kind, value, text, source, sid). */
  stageLine(i: number): string {
    return (
      `${this.file(i)}\t${this.line(i)}\t${copyText(this.user(i))}\t${copyText(this.item(i))}\t${this.tsMs(i)}\t` +
      `${this.kind(i)}\t${copyNumber(this.value(i))}\t${copyText(this.text(i))}\t${copyText(this.source(i))}\t` +
      `${copyText(this.sourceEventId(i))}\n`
    );
  }
}
