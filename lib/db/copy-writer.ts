import { copyText } from "./copy";

const DEFAULT_CHUNK_BYTES = 1 << 20;
const DAY_MS = 86_400_000;
/** 9999-12-31T23:59:59.999Z: the last instant toISOString() writes with a four-digit year. */
const MAX_FOUR_DIGIT_YEAR_MS = 253_402_300_799_999;
const BACKSLASH = 92;
const TAB = 9;
const NEWLINE = 10;
const CARRIAGE_RETURN = 13;

/**
 * Writes COPY ... FROM STDIN text-format data straight into Buffers: numbers, timestamps and
 * ASCII text byte by byte, without the per-field strings of building each line as a string
 * (those strings, kept alive for a whole batch, made the garbage collector a third of an
 * import's CPU). The output is byte for byte what the string helpers of ./copy.ts produce.
 *
 * Chunks may end in the middle of a row: COPY reads one byte stream.
 */
export class CopyTextWriter {
  private buf: Buffer;
  private pos = 0;
  private readonly full: Buffer[] = [];

  constructor(private readonly chunkBytes = DEFAULT_CHUNK_BYTES) {
    this.buf = Buffer.allocUnsafe(chunkBytes);
  }

  /** Whether complete chunks are waiting to be taken. */
  get hasFullChunks(): boolean {
    return this.full.length > 0;
  }

  /** The complete chunks so far (the writer lets go of them). */
  takeFullChunks(): Buffer[] {
    return this.full.splice(0);
  }

  /** Every chunk not taken yet, the last partial one included; the writer is empty afterwards. */
  finish(): Buffer[] {
    if (this.pos > 0) this.full.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(0);
    this.pos = 0;
    return this.takeFullChunks();
  }

  tab(): void {
    this.reserve(1);
    this.buf[this.pos++] = TAB;
  }

  endRow(): void {
    this.reserve(1);
    this.buf[this.pos++] = NEWLINE;
  }

  /** \N */
  nullValue(): void {
    this.reserve(2);
    this.buf[this.pos++] = BACKSLASH;
    this.buf[this.pos++] = 78;
  }

  /** A safe integer in decimal; other numbers as String(value) writes them. */
  integer(value: number): void {
    if (!Number.isSafeInteger(value)) {
      this.ascii(String(value));
      return;
    }
    this.reserve(17);
    const buf = this.buf;
    let pos = this.pos;
    let n = value;
    if (n < 0) {
      buf[pos++] = 45; // "-"
      n = -n;
    }
    let digits = 1;
    for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
    const end = pos + digits;
    for (let p = end - 1; p >= pos; p--) {
      const q = Math.floor(n / 10);
      buf[p] = 48 + (n - q * 10);
      n = q;
    }
    this.pos = end;
  }

  /** copyNumber(): null is \N, numbers as String(value). */
  number(value: number | null): void {
    if (value === null) this.nullValue();
    else if (Number.isSafeInteger(value)) this.integer(value);
    else this.ascii(String(value));
  }

  /** copyText(): null is \N; backslash, tab, newline and carriage return escaped. */
  text(value: string | null): void {
    if (value === null) {
      this.nullValue();
      return;
    }
    const n = value.length;
    // Worst case: every UTF-16 unit escaped (2 chars) and 3 bytes of UTF-8 each.
    this.reserve(6 * n);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80) {
        // Not ASCII: the rest goes through the string escaper and the UTF-8 encoder.
        this.pos = pos + buf.write(copyText(value.slice(i)), pos, "utf8");
        return;
      }
      if (c === BACKSLASH || c === TAB || c === NEWLINE || c === CARRIAGE_RETURN) {
        buf[pos++] = BACKSLASH;
        buf[pos++] = c === BACKSLASH ? BACKSLASH : c === TAB ? 116 : c === NEWLINE ? 110 : 114;
      } else buf[pos++] = c;
    }
    this.pos = pos;
  }

  /** new Date(ms).toISOString(), e.g. 2000-07-30T18:45:03.000Z. */
  timestamp(ms: number): void {
    if (!Number.isSafeInteger(ms) || ms < 0 || ms > MAX_FOUR_DIGIT_YEAR_MS) {
      this.ascii(new Date(ms).toISOString());
      return;
    }
    const days = Math.floor(ms / DAY_MS);
    let rest = ms - days * DAY_MS;
    // Days since 1970-01-01 to the civil date (H. Hinnant's days_from_civil, inverted).
    const z = days + 719_468;
    const era = Math.floor(z / 146_097);
    const doe = z - era * 146_097;
    const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
    const month = mp < 10 ? mp + 3 : mp - 9;
    const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    const milli = rest % 1000;
    rest = (rest - milli) / 1000;
    const second = rest % 60;
    rest = (rest - second) / 60;
    const minute = rest % 60;
    const hour = (rest - minute) / 60;

    this.reserve(24);
    const buf = this.buf;
    const p = this.pos;
    buf[p] = 48 + Math.floor(year / 1000);
    buf[p + 1] = 48 + (Math.floor(year / 100) % 10);
    buf[p + 2] = 48 + (Math.floor(year / 10) % 10);
    buf[p + 3] = 48 + (year % 10);
    buf[p + 4] = 45;
    twoDigits(buf, p + 5, month);
    buf[p + 7] = 45;
    twoDigits(buf, p + 8, day);
    buf[p + 10] = 84; // "T"
    twoDigits(buf, p + 11, hour);
    buf[p + 13] = 58;
    twoDigits(buf, p + 14, minute);
    buf[p + 16] = 58;
    twoDigits(buf, p + 17, second);
    buf[p + 19] = 46;
    buf[p + 20] = 48 + Math.floor(milli / 100);
    buf[p + 21] = 48 + (Math.floor(milli / 10) % 10);
    buf[p + 22] = 48 + (milli % 10);
    buf[p + 23] = 90; // "Z"
    this.pos = p + 24;
  }

  /** A string known to need no escaping (numbers, ISO dates). */
  private ascii(value: string): void {
    this.reserve(3 * value.length);
    this.pos += this.buf.write(value, this.pos, "utf8");
  }

  private reserve(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    if (this.pos > 0) this.full.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(Math.max(this.chunkBytes, bytes));
    this.pos = 0;
  }
}

function twoDigits(buf: Buffer, at: number, value: number): void {
  const tens = Math.floor(value / 10);
  buf[at] = 48 + tens;
  buf[at + 1] = 48 + (value - tens * 10);
}
