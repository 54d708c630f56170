/**
 * Field rules shared by every way behaviours enter the log: the file importers (MovieLens,
 * Last.fm, generic CSV/NDJSON) and POST /api/behaviors. Each check returns a reason a person
 * can act on, or null when the value is fine.
 */

export const LIMITS = {
  /** External user and item ids. */
  externalId: 256,
  sourceEventId: 256,
  source: 64,
  title: 1000,
  /** Free text of an event (a tag) and each category/tag of an item. */
  text: 1000,
  /** Tolerance for clocks that run a little ahead; later timestamps are rejected. */
  futureSkewMs: 24 * 60 * 60 * 1000,
} as const;

export const KIND_PATTERN = /^[a-z_]{1,32}$/;
export const SOURCE_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

export const REPLACEMENT_CHAR = "\uFFFD";

export function hasReplacementChar(text: string): boolean {
  return text.includes(REPLACEMENT_CHAR);
}

/** PostgreSQL text cannot hold U+0000: such a value is refused up front, not by a failing COPY. */
export const NUL_REASON = "contains a NUL character (U+0000), which cannot be stored";

export function hasNul(text: string): boolean {
  return text.includes("\u0000");
}

/** A required text field: present, not too long, storable. */
export function checkRequiredText(name: string, value: string | undefined | null, max: number): string | null {
  if (value === undefined || value === null || value.trim() === "") return `missing field: ${name}`;
  if (value.length > max) return `${name} is ${value.length} characters long (limit ${max})`;
  if (hasNul(value)) return `${name} ${NUL_REASON}`;
  return null;
}

export function checkKind(kind: string | undefined | null): string | null {
  if (kind === undefined || kind === null || kind === "") return "missing field: kind";
  if (!KIND_PATTERN.test(kind)) return `bad kind "${truncate(kind)}": use 1-32 characters a-z or _`;
  return null;
}

export function checkSource(source: string): string | null {
  if (!SOURCE_PATTERN.test(source)) return `bad source "${truncate(source)}": use 1-64 characters A-Z a-z 0-9 _ . : -`;
  return null;
}

export type NumberResult = { ok: true; value: number } | { ok: false; reason: string };

/** Parses a decimal number strictly: no empty strings, no "12abc", no NaN or Infinity. */
export function parseFiniteNumber(name: string, raw: string | undefined): NumberResult {
  if (raw === undefined || raw.trim() === "") return { ok: false, reason: `missing field: ${name}` };
  const value = Number(raw);
  if (Number.isNaN(value)) {
    return /^\s*[+-]?nan\s*$/i.test(raw)
      ? { ok: false, reason: `${name} is NaN` }
      : { ok: false, reason: `bad number in ${name}: "${truncate(raw)}"` };
  }
  if (!Number.isFinite(value)) return { ok: false, reason: `${name} is ${raw.trim()} (not finite)` };
  return { ok: true, value };
}

/** Integer ids and epoch values: digits only (optionally signed). */
export function parseInteger(name: string, raw: string | undefined): NumberResult {
  const parsed = parseFiniteNumber(name, raw);
  if (!parsed.ok) return parsed;
  if (!Number.isSafeInteger(parsed.value)) return { ok: false, reason: `bad integer in ${name}: "${truncate(raw!)}"` };
  return parsed;
}

/** The largest epoch millisecond a JavaScript Date can represent. */
const MAX_DATE_MS = 8.64e15;

/** Timestamps must lie between 1970 and now + 1 day. */
export function checkTimestampMs(tsMs: number, nowMs: number): string | null {
  if (!Number.isFinite(tsMs)) return "timestamp is not a finite number";
  if (tsMs < 0) return `negative timestamp (${tsMs} ms, before 1970)`;
  // Beyond ±8.64e15 ms a Date is invalid and toISOString() throws: say the number instead.
  if (tsMs > nowMs + LIMITS.futureSkewMs)
    return `timestamp in the future (${tsMs <= MAX_DATE_MS ? new Date(tsMs).toISOString() : `${tsMs} ms, past the year 275760`})`;
  return null;
}

export type TimestampFormat = "epoch-s" | "epoch-ms" | "iso";
export const TIMESTAMP_FORMATS: readonly TimestampFormat[] = ["epoch-s", "epoch-ms", "iso"];

// ISO 8601 date or date-time; a date-time without an offset is read as UTC (JS would use local time).
const ISO_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export type TimestampResult = { ok: true; ms: number } | { ok: false; reason: string };

export function parseIsoTimestamp(raw: string): TimestampResult {
  const m = ISO_PATTERN.exec(raw.trim());
  if (!m)
    return { ok: false, reason: `bad timestamp "${truncate(raw)}": expected ISO 8601 (e.g. 2024-05-01T12:00:00Z)` };
  const [, y, mo, d, h = "00", mi = "00", s = "00", frac, zone] = m as unknown as string[];
  // Date.parse would roll 2024-02-30 over to March 1st: check the fields first.
  const daysInMonth = new Date(Date.UTC(Number(y), Number(mo), 0)).getUTCDate();
  const valid =
    Number(mo) >= 1 &&
    Number(mo) <= 12 &&
    Number(d) >= 1 &&
    Number(d) <= daysInMonth &&
    Number(h) <= 23 &&
    Number(mi) <= 59 &&
    Number(s) <= 59;
  if (!valid) return { ok: false, reason: `bad timestamp "${truncate(raw)}": not a real date or time` };
  let iso = `${y}-${mo}-${d}T${h}:${mi}:${s}`;
  if (frac) iso += `.${frac.slice(0, 3).padEnd(3, "0")}`;
  iso += !zone ? "Z" : zone === "Z" || zone.includes(":") ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return { ok: false, reason: `bad timestamp "${truncate(raw)}": not a real date or time` };
  return { ok: true, ms };
}

/** Reads a timestamp given as text (files) in the stated format, then range-checks it. */
export function parseTimestamp(raw: string | undefined, format: TimestampFormat, nowMs: number): TimestampResult {
  if (raw === undefined || raw.trim() === "") return { ok: false, reason: "missing field: ts" };
  let ms: number;
  if (format === "iso") {
    const parsed = parseIsoTimestamp(raw);
    if (!parsed.ok) return parsed;
    ms = parsed.ms;
  } else {
    const parsed = parseFiniteNumber("ts", raw);
    if (!parsed.ok) return parsed;
    ms = format === "epoch-s" ? Math.round(parsed.value * 1000) : Math.round(parsed.value);
  }
  const reason = checkTimestampMs(ms, nowMs);
  return reason ? { ok: false, reason } : { ok: true, ms };
}

export function truncate(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
