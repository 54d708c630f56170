import type { PopulationColor, PopulationPoint } from "@/lib/uif/contract";
import { categoryColour, NO_CATEGORY_COLOUR } from "@/components/partitions/category-colours";
import { sequentialColour, sequentialScale } from "./colour-scale";

// View model of the population map: projected coordinates fitted to the canvas, a colour per
// point from the chosen attribute, and the legend that explains it. Pure and memoisable: the
// component recomputes these only when the data, the attribute or the canvas size change.

export const COLOUR_CHOICES: { value: PopulationColor; label: string }[] = [
  { value: "dominantCategory", label: "Dominant category" },
  { value: "partitions", label: "Partitions" },
  { value: "events", label: "Events" },
  { value: "gender", label: "Gender" },
  { value: "age", label: "Age" },
  { value: "occupation", label: "Occupation" },
];

/** Counts are heavy-tailed: coloured on a log scale. */
const LOG_SCALED: ReadonlySet<PopulationColor> = new Set(["partitions", "events"]);
/** Categories beyond this many share one "Other" colour, so that the legend stays readable. */
export const MAX_CATEGORIES = 10;
export const OTHER_LABEL = "Other";
export const MISSING_LABEL = "Not known";

/** Tableau 10: distinct hues for attributes without a colour of their own (gender, occupation…). */
const CATEGORICAL = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];
const OTHER_COLOUR = "#cbd5e1";

export interface FittedPoints {
  xs: Float32Array;
  ys: Float32Array;
}

/**
 * Screen coordinates of the projected points in a width x height canvas with `padding` px on
 * each side. One scale for both axes: distances in a projection mean something, so the map
 * is not stretched to fill the box. y grows upwards as in a plot.
 */
export function fitToCanvas(
  points: readonly Pick<PopulationPoint, "x" | "y">[],
  width: number,
  height: number,
  padding: number,
): FittedPoints {
  const n = points.length;
  const xs = new Float32Array(n);
  const ys = new Float32Array(n);
  if (n === 0) return { xs, ys };
  let minX = Infinity,
    maxX = -Infinity,
    minY = Infinity,
    maxY = -Infinity;
  for (const p of points) {
    if (p.x < minX) minX = p.x;
    if (p.x > maxX) maxX = p.x;
    if (p.y < minY) minY = p.y;
    if (p.y > maxY) maxY = p.y;
  }
  const w = Math.max(1, width - 2 * padding);
  const h = Math.max(1, height - 2 * padding);
  const spanX = maxX - minX;
  const spanY = maxY - minY;
  const scale =
    spanX > 0 || spanY > 0 ? Math.min(spanX > 0 ? w / spanX : Infinity, spanY > 0 ? h / spanY : Infinity) : 0;
  // Centre the cloud in the box.
  const offX = padding + (w - spanX * scale) / 2;
  const offY = padding + (h - spanY * scale) / 2;
  for (let i = 0; i < n; i++) {
    xs[i] = offX + (points[i]!.x - minX) * scale;
    ys[i] = height - (offY + (points[i]!.y - minY) * scale);
  }
  return { xs, ys };
}

export type Legend =
  | { kind: "categorical"; items: { label: string; colour: string; count: number }[] }
  | { kind: "numeric"; min: number; max: number; log: boolean; stops: string[]; missing: number };

export interface PointColours {
  /** One CSS colour per point, same order as the points. */
  colours: string[];
  legend: Legend;
}

/** Colours and legend of the points for an attribute. Numbers get a sequential scale, strings a palette. */
export function colourPoints(
  points: readonly Pick<PopulationPoint, "color">[],
  attribute: PopulationColor,
): PointColours {
  const numeric =
    points.some((p) => typeof p.color === "number") &&
    points.every((p) => p.color === null || typeof p.color === "number");
  return numeric ? numericColours(points, LOG_SCALED.has(attribute)) : categoricalColours(points, attribute);
}

function numericColours(points: readonly Pick<PopulationPoint, "color">[], log: boolean): PointColours {
  const values = points.map((p) => p.color).filter((v): v is number => typeof v === "number");
  const scale = sequentialScale(values, log);
  return {
    colours: points.map((p) => (typeof p.color === "number" ? scale.colour(p.color) : NO_CATEGORY_COLOUR)),
    legend: {
      kind: "numeric",
      min: scale.min,
      max: scale.max,
      log,
      stops: [0, 0.25, 0.5, 0.75, 1].map(sequentialColour),
      missing: points.length - values.length,
    },
  };
}

function categoricalColours(
  points: readonly Pick<PopulationPoint, "color">[],
  attribute: PopulationColor,
): PointColours {
  const counts = new Map<string, number>();
  const labelOf = (c: PopulationPoint["color"]) => (c === null || c === "" ? MISSING_LABEL : String(c));
  for (const p of points) counts.set(labelOf(p.color), (counts.get(labelOf(p.color)) ?? 0) + 1);
  // Most frequent first; ties by name so the order (and the palette) is stable between loads.
  const ranked = [...counts.entries()]
    .filter(([l]) => l !== MISSING_LABEL)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = ranked.length > MAX_CATEGORIES ? ranked.slice(0, MAX_CATEGORIES - 1) : ranked;
  const colourOf = new Map<string, string>();
  shown.forEach(([label], i) => {
    // Genres keep the colour they have on every other screen.
    colourOf.set(
      label,
      attribute === "dominantCategory" ? categoryColour(label) : CATEGORICAL[i % CATEGORICAL.length]!,
    );
  });
  const items = shown.map(([label, count]) => ({ label, colour: colourOf.get(label)!, count }));
  const otherCount = ranked.slice(shown.length).reduce((s, [, c]) => s + c, 0);
  if (otherCount > 0) items.push({ label: OTHER_LABEL, colour: OTHER_COLOUR, count: otherCount });
  const missing = counts.get(MISSING_LABEL) ?? 0;
  if (missing > 0) items.push({ label: MISSING_LABEL, colour: NO_CATEGORY_COLOUR, count: missing });
  return {
    colours: points.map((p) => {
      const label = labelOf(p.color);
      return label === MISSING_LABEL ? NO_CATEGORY_COLOUR : (colourOf.get(label) ?? OTHER_COLOUR);
    }),
    legend: { kind: "categorical", items },
  };
}

/**
 * Draw order: points grouped by colour (fewer fillStyle changes on the canvas), the largest
 * group first so that small groups are not buried under it.
 */
export function drawOrder(colours: readonly string[]): { colour: string; indexes: number[] }[] {
  const groups = new Map<string, number[]>();
  colours.forEach((c, i) => {
    let g = groups.get(c);
    if (!g) groups.set(c, (g = []));
    g.push(i);
  });
  return [...groups.entries()]
    .map(([colour, indexes]) => ({ colour, indexes }))
    .sort((a, b) => b.indexes.length - a.indexes.length);
}
