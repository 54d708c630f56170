import type { VectorColumn } from "@/lib/uif/contract";

// Layout and navigation of the partition-vector heatmap: columns are partitions in time
// order, rows are the vector dimensions the API picked (top variance). Pure maths; the
// component draws what these return.

export const ROW_HEIGHT = 14;
export const LABEL_WIDTH = 44;
export const AXIS_HEIGHT = 20;
/** Below this a column is unreadable; the heatmap scrolls sideways instead. */
export const MIN_COLUMN_WIDTH = 3;

export interface HeatmapLayout {
  columns: number;
  rows: number;
  columnWidth: number;
  /** Width of the cells' area (may exceed the container: it scrolls). */
  plotWidth: number;
  width: number;
  height: number;
}

export function heatmapLayout(columns: number, rows: number, containerWidth: number): HeatmapLayout {
  const available = Math.max(0, containerWidth - LABEL_WIDTH);
  const columnWidth = columns > 0 ? Math.max(MIN_COLUMN_WIDTH, Math.min(48, available / columns)) : 0;
  const plotWidth = columnWidth * columns;
  return {
    columns,
    rows,
    columnWidth,
    plotWidth,
    width: LABEL_WIDTH + plotWidth,
    height: rows * ROW_HEIGHT + AXIS_HEIGHT,
  };
}

export interface Cell {
  column: number;
  row: number;
}

/** The cell under a point given in the heatmap's own coordinates (labels included), or null. */
export function cellAt(layout: HeatmapLayout, x: number, y: number): Cell | null {
  const px = x - LABEL_WIDTH;
  if (px < 0 || px >= layout.plotWidth || y < 0 || y >= layout.rows * ROW_HEIGHT) return null;
  const column = Math.floor(px / layout.columnWidth);
  const row = Math.floor(y / ROW_HEIGHT);
  return column < layout.columns && row < layout.rows ? { column, row } : null;
}

/** Where a key moves the active cell (arrows, Home/End along a row, PageUp/PageDown by 10 columns); null for other keys. */
export function moveCell(cell: Cell, key: string, columns: number, rows: number): Cell | null {
  const clamp = (v: number, n: number) => Math.min(n - 1, Math.max(0, v));
  switch (key) {
    case "ArrowLeft":
      return { column: clamp(cell.column - 1, columns), row: cell.row };
    case "ArrowRight":
      return { column: clamp(cell.column + 1, columns), row: cell.row };
    case "ArrowUp":
      return { column: cell.column, row: clamp(cell.row - 1, rows) };
    case "ArrowDown":
      return { column: cell.column, row: clamp(cell.row + 1, rows) };
    case "Home":
      return { column: 0, row: cell.row };
    case "End":
      return { column: columns - 1, row: cell.row };
    case "PageUp":
      return { column: clamp(cell.column - 10, columns), row: cell.row };
    case "PageDown":
      return { column: clamp(cell.column + 10, columns), row: cell.row };
    default:
      return null;
  }
}

/** Column ticks: about one label per 70 px, always the first column, in 1-based partition numbers. */
export function columnTicks(
  columns: readonly Pick<VectorColumn, "seq">[],
  columnWidth: number,
): { index: number; label: string }[] {
  if (columns.length === 0 || columnWidth <= 0) return [];
  const step = Math.max(1, Math.ceil(70 / columnWidth));
  const ticks: { index: number; label: string }[] = [];
  for (let i = 0; i < columns.length; i += step) ticks.push({ index: i, label: `P${columns[i]!.seq + 1}` });
  return ticks;
}

const signed = (v: number) => `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(3)}`;

/** "Partition 12" (1-based, as on the timeline and the cascade). */
export const partitionTitle = (seq: number) => `Partition ${seq + 1}`;

/** "2001-03-04 – 2001-05-06" or one date. */
export function partitionDates(c: Pick<VectorColumn, "startTs" | "endTs">): string {
  const a = c.startTs.slice(0, 10);
  const b = c.endTs.slice(0, 10);
  return a === b ? a : `${a} – ${b}`;
}

/** What a screen reader hears for the active cell (the tooltip shows the same). */
export function cellDescription(column: VectorColumn, dimension: number, value: number): string {
  return `${partitionTitle(column.seq)}, ${partitionDates(column)}, ${column.count} events; dimension ${dimension}: ${signed(value)}`;
}

export { signed as formatSigned };
