// Display formats shared by the screens. Dates are shown in UTC, the zone the activity
// buckets are computed in, so a row's date and its chart bar always agree.

const numberFormat = new Intl.NumberFormat("en-US");

export function formatNumber(n: number | null | undefined): string {
  return n === null || n === undefined ? "–" : numberFormat.format(n);
}

/** "2024-03-05" (UTC). */
export function formatDate(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 10) : "–";
}

/** "2024-03-05 14:07" (UTC). */
export function formatDateTime(iso: string | null | undefined): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : "–";
}

/** "850 ms", "4.2 s", "3 min 05 s", "1 h 02 min". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const totalSeconds = Math.round(s);
  const minutes = Math.floor(totalSeconds / 60);
  if (minutes < 60) return `${minutes} min ${String(totalSeconds % 60).padStart(2, "0")} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

/** A behaviour's value: ratings keep one decimal, absent values show a dash. */
export function formatValue(v: number | null | undefined): string {
  if (v === null || v === undefined) return "–";
  return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 10 ? 1 : 0);
}

/** An attribute value of any JSON type as one line of text. */
export function formatAttribute(v: unknown): string {
  if (v === null || v === undefined) return "–";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}
