// Where a partition band goes on the timeline. Pure geometry, no React, so it is unit-tested.
//
// A plain linear time axis does not work for behaviour logs: people act in bursts (a
// MovieLens user may rate 300 films in one evening, then nothing for two years), so most
// bands would be zero pixels wide next to a wide empty gap. The time scale here is piecewise
// linear: every stretch of time covered by a band (and every instant-long band) first gets a
// fixed minimum width, and what is left of the width is shared out in proportion to time.
// Time still runs left to right monotonically, so date ticks stay meaningful (they are just
// not evenly spaced), bursts become readable and long quiet periods still look long.

export interface Interval {
  start: number;
  end: number;
}

export interface TimeScaleOptions {
  /** Width given to every covered stretch before time is shared out; default: adapts to the count. */
  minBandWidth?: number;
  /** At most this part of the width goes to minimum widths (the rest follows time). Default 0.5. */
  maxFixedShare?: number;
}

export interface TimeScale {
  width: number;
  /** Earliest and latest time covered, or null without intervals. */
  domain: [number, number] | null;
  /** x of a time (clamped to the domain). */
  x(t: number): number;
  /** Left edge and width of an interval's band. */
  band(interval: Interval): { x: number; width: number };
}

/** The adaptive minimum band width: generous for a few bands, down to a hairline for thousands. */
export function defaultMinBandWidth(bands: number, width: number, maxFixedShare = 0.5): number {
  if (bands === 0) return 0;
  return Math.max(0.25, Math.min(24, (width * maxFixedShare) / bands));
}

/**
 * A time scale over `intervals` (the bands of one timeline, or of several rows that must line
 * up) fitted into `width` pixels.
 */
export function buildTimeScale(
  intervals: readonly Interval[],
  width: number,
  options: TimeScaleOptions = {},
): TimeScale {
  const maxFixedShare = options.maxFixedShare ?? 0.5;
  if (intervals.length === 0 || width <= 0) {
    return { width, domain: null, x: () => 0, band: () => ({ x: 0, width: 0 }) };
  }
  const minBand = options.minBandWidth ?? defaultMinBandWidth(intervals.length, width, maxFixedShare);

  // Breakpoints: every start and end, sorted and unique.
  const times = [...new Set(intervals.flatMap((i) => [Math.min(i.start, i.end), Math.max(i.start, i.end)]))].sort(
    (a, b) => a - b,
  );
  const m = times.length;
  const indexOf = new Map(times.map((t, k) => [t, k]));

  // pointWidth[k]: room for instant-long bands at times[k]. segFixed[k]: minimum width of the
  // stretch times[k] -> times[k+1] if some band covers it (a difference array counts cover).
  const pointWidth = new Float64Array(m);
  const coverDelta = new Int32Array(m + 1);
  for (const i of intervals) {
    const s = indexOf.get(Math.min(i.start, i.end))!;
    const e = indexOf.get(Math.max(i.start, i.end))!;
    if (s === e) pointWidth[s] = minBand;
    else {
      coverDelta[s]!++;
      coverDelta[e]!--;
    }
  }
  const segFixed = new Float64Array(Math.max(0, m - 1));
  let cover = 0;
  let fixedTotal = 0;
  let timeTotal = 0;
  for (let k = 0; k < m; k++) {
    fixedTotal += pointWidth[k]!;
    if (k < m - 1) {
      cover += coverDelta[k]!;
      if (cover > 0) {
        segFixed[k] = minBand;
        fixedTotal += minBand;
      }
      timeTotal += times[k + 1]! - times[k]!;
    }
  }

  // Fixed widths take at most their share (all of the width if there is no time to share out).
  const fixedBudget = timeTotal > 0 ? width * maxFixedShare : width;
  const fixedScale = fixedTotal > fixedBudget || (timeTotal === 0 && fixedTotal > 0) ? fixedBudget / fixedTotal : 1;
  const perMs = timeTotal > 0 ? (width - fixedTotal * fixedScale) / timeTotal : 0;

  // left[k]: x where the point block of times[k] begins; it is pointWidth[k] wide, then the
  // stretch to times[k+1] follows.
  const left = new Float64Array(m);
  const point = new Float64Array(m);
  const segWidth = new Float64Array(Math.max(0, m - 1));
  let x = 0;
  for (let k = 0; k < m; k++) {
    left[k] = x;
    point[k] = pointWidth[k]! * fixedScale;
    x += point[k]!;
    if (k < m - 1) {
      segWidth[k] = segFixed[k]! * fixedScale + (times[k + 1]! - times[k]!) * perMs;
      x += segWidth[k]!;
    }
  }

  const clampX = (v: number) => Math.min(width, Math.max(0, v));
  function xOf(t: number): number {
    if (t <= times[0]!) return left[0]!;
    if (t >= times[m - 1]!) return clampX(left[m - 1]! + point[m - 1]!);
    // Largest k with times[k] <= t.
    let lo = 0;
    let hi = m - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (times[mid]! <= t) lo = mid;
      else hi = mid - 1;
    }
    const segStart = left[lo]! + point[lo]!;
    return clampX(segStart + ((t - times[lo]!) / (times[lo + 1]! - times[lo]!)) * segWidth[lo]!);
  }

  return {
    width,
    domain: [times[0]!, times[m - 1]!],
    x: xOf,
    band({ start, end }) {
      const s = indexOf.get(Math.min(start, end));
      const e = indexOf.get(Math.max(start, end));
      if (s === undefined || e === undefined) {
        // Not one of the intervals the scale was built from: place it by time.
        const x0 = xOf(Math.min(start, end));
        return { x: x0, width: Math.max(0, xOf(Math.max(start, end)) - x0) };
      }
      if (s === e) return { x: left[s]!, width: point[s]! };
      const x0 = left[s]! + point[s]!;
      return { x: x0, width: Math.max(0, left[e]! - x0) };
    },
  };
}

/** Equal slots, one per band in order: for reading partitions as a sequence rather than in time. */
export function sequenceSlots(count: number, width: number): { x: number; width: number }[] {
  if (count === 0) return [];
  const slot = width / count;
  return Array.from({ length: count }, (_, i) => ({ x: i * slot, width: slot }));
}

export type TickUnit = "year" | "month" | "day";

export interface TimeTick {
  t: number;
  x: number;
  label: string;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAY_MS = 86_400_000;

/** The calendar unit for ticks over a span (UTC): years beyond ~3 years, months beyond ~4 months. */
export function tickUnitFor(spanMs: number): TickUnit {
  if (spanMs > 3 * 365 * DAY_MS) return "year";
  if (spanMs > 120 * DAY_MS) return "month";
  return "day";
}

function tickLabel(t: number, unit: TickUnit): string {
  const d = new Date(t);
  if (unit === "year") return String(d.getUTCFullYear());
  if (unit === "month") return `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
  return new Date(t).toISOString().slice(0, 10);
}

/** Calendar boundaries (UTC) of `unit` within [from, to], at most `limit` of them. */
export function calendarBoundaries(from: number, to: number, unit: TickUnit, limit = 2000): number[] {
  const out: number[] = [];
  const d = new Date(from);
  let cursor: number;
  if (unit === "year") cursor = Date.UTC(d.getUTCFullYear(), 0, 1);
  else if (unit === "month") cursor = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  else cursor = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (cursor < from) cursor = next(cursor, unit);
  while (cursor <= to && out.length < limit) {
    out.push(cursor);
    cursor = next(cursor, unit);
  }
  return out;
}

function next(t: number, unit: TickUnit): number {
  const d = new Date(t);
  if (unit === "year") return Date.UTC(d.getUTCFullYear() + 1, 0, 1);
  if (unit === "month") return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return t + DAY_MS;
}

/**
 * Date ticks for a scale: calendar boundaries, keeping a tick only when it is at least
 * `minSpacing` px right of the previous kept one (the scale is not linear, so ticks bunch
 * where time is compressed). With no boundary inside the domain, its two ends are labelled.
 */
export function timeTicks(scale: TimeScale, minSpacing = 64): TimeTick[] {
  if (!scale.domain) return [];
  const [from, to] = scale.domain;
  const unit = tickUnitFor(to - from);
  const ticks: TimeTick[] = [];
  let lastX = -Infinity;
  for (const t of calendarBoundaries(from, to, unit)) {
    const x = scale.x(t);
    if (x - lastX < minSpacing || x > scale.width - minSpacing / 3) continue;
    ticks.push({ t, x, label: tickLabel(t, unit) });
    lastX = x;
  }
  if (ticks.length === 0) {
    const first = { t: from, x: scale.x(from), label: tickLabel(from, "day") };
    const last = { t: to, x: scale.x(to), label: tickLabel(to, "day") };
    ticks.push(first);
    if (last.label !== first.label && last.x - first.x >= minSpacing * 1.5) ticks.push(last);
  }
  return ticks;
}

/**
 * Ticks for the sequence scale: every `step`-th slot (step 1, 2, 5, 10, 20, 50...) so that
 * labels are at least `minSpacing` px apart; `index` is 0-based, labels count from 1.
 */
export function sequenceTicks(
  count: number,
  width: number,
  minSpacing = 40,
): { index: number; x: number; label: string }[] {
  if (count === 0 || width <= 0) return [];
  const slot = width / count;
  let step = 1;
  for (const base of [1, 2, 5]) {
    step = base;
    if (slot * step >= minSpacing) break;
  }
  for (let scale = 10; slot * step < minSpacing; scale *= 10) {
    for (const base of [1, 2, 5]) {
      step = base * scale;
      if (slot * step >= minSpacing) break;
    }
  }
  const ticks: { index: number; x: number; label: string }[] = [];
  // Labels 1, step, 2*step...: the first slot, then round numbers.
  for (let n = step === 1 ? 1 : 0; n <= count; n += step) {
    const index = Math.max(0, n - 1);
    ticks.push({ index, x: (index + 0.5) * slot, label: String(index + 1) });
  }
  return ticks;
}
