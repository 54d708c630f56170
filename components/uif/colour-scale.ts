// Colour scales of the vector views, pure so they can be tested.
//
// Vector components are signed (hashed features carry a sign), so the heatmap needs a
// DIVERGING scale: blue below zero, near-white at zero, red above, symmetric around zero so
// that equal magnitudes look equally strong. Counts (partitions, events) use a SEQUENTIAL
// scale; categories use fixed palettes (see population-colours.ts).

type Rgb = readonly [number, number, number];

/** ColorBrewer RdBu (11 classes), blue end first: readable by the common colour-vision deficiencies. */
const RD_BU: readonly Rgb[] = [
  [5, 48, 97],
  [33, 102, 172],
  [67, 147, 195],
  [146, 197, 222],
  [209, 229, 240],
  [247, 247, 247],
  [253, 219, 199],
  [244, 165, 130],
  [214, 96, 77],
  [178, 24, 43],
  [103, 0, 31],
];

/** Viridis at 9 stops: perceptually uniform, dark (low) to yellow (high). */
const VIRIDIS: readonly Rgb[] = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

const hex2 = (n: number) =>
  Math.round(Math.min(255, Math.max(0, n)))
    .toString(16)
    .padStart(2, "0");
const toHex = ([r, g, b]: Rgb) => `#${hex2(r)}${hex2(g)}${hex2(b)}`;

/** Linear interpolation through evenly spaced stops; t is clamped to [0, 1]. */
function interpolate(stops: readonly Rgb[], t: number): string {
  const u = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0.5;
  const pos = u * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(pos));
  const f = pos - i;
  const a = stops[i]!;
  const b = stops[i + 1]!;
  return toHex([a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f]);
}

/** Diverging colour of t in [-1, 1] (clamped): -1 dark blue, 0 near-white, +1 dark red. */
export function divergingColour(t: number): string {
  return interpolate(RD_BU, (t + 1) / 2);
}

/** Sequential colour of t in [0, 1] (clamped). */
export function sequentialColour(t: number): string {
  return interpolate(VIRIDIS, t);
}

/** The value at quantile q (0..1) of the values, linear between ranks; 0 for no values. */
export function quantile(values: readonly number[], q: number): number {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return 0;
  const pos = Math.min(1, Math.max(0, q)) * (finite.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return finite[lo]! + (finite[hi]! - finite[lo]!) * (pos - lo);
}

export interface DivergingScale {
  /** The magnitude mapped to the darkest colours; larger magnitudes are clipped to it. */
  limit: number;
  colour: (value: number) => string;
}

/**
 * A diverging scale symmetric around zero for these values. The limit is a high quantile of
 * the magnitudes rather than the maximum, so that one extreme cell does not wash every other
 * cell out to white; the tooltip always shows the exact value.
 */
export function divergingScale(values: readonly number[], clipQuantile = 0.98): DivergingScale {
  const magnitudes = values.filter(Number.isFinite).map(Math.abs);
  const limit = quantile(magnitudes, clipQuantile) || Math.max(0, ...magnitudes) || 1;
  return { limit, colour: (v) => divergingColour(v / limit) };
}

export interface SequentialScale {
  min: number;
  max: number;
  log: boolean;
  /** Position of a value on the scale, in [0, 1]. */
  position: (value: number) => number;
  colour: (value: number) => string;
}

/**
 * A sequential scale over the values' range. With `log`, positions follow log(1 + v): counts
 * such as events per user are heavy-tailed, and a linear scale would paint almost every user
 * in the lowest colour.
 */
export function sequentialScale(values: readonly number[], log = false): SequentialScale {
  const finite = values.filter(Number.isFinite);
  const min = finite.length ? Math.min(...finite) : 0;
  const max = finite.length ? Math.max(...finite) : 1;
  const f = (v: number) => (log ? Math.log1p(Math.max(0, v)) : v);
  const lo = f(min);
  const span = f(max) - lo;
  const position = (v: number) => (span > 0 ? Math.min(1, Math.max(0, (f(v) - lo) / span)) : 0.5);
  return { min, max, log, position, colour: (v) => sequentialColour(position(v)) };
}
