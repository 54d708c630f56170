// Hit-testing of thousands of points on a canvas: a uniform grid of buckets, so a hover
// looks at the points of at most 9 cells instead of all 6,000.

export interface HitGrid {
  cellSize: number;
  cols: number;
  rows: number;
  /** Point indexes bucketed by cell: the indexes of cell c are order[start[c] .. start[c + 1]). */
  start: Int32Array;
  order: Int32Array;
  xs: Float32Array;
  ys: Float32Array;
}

/**
 * Buckets points (screen coordinates) into square cells of `cellSize` px covering
 * [0, width) x [0, height); points outside are clamped into the border cells. Counting sort:
 * O(n), two typed arrays, no per-cell arrays.
 */
export function buildHitGrid(
  xs: Float32Array,
  ys: Float32Array,
  width: number,
  height: number,
  cellSize: number,
): HitGrid {
  const size = Math.max(1, cellSize);
  const cols = Math.max(1, Math.ceil(width / size));
  const rows = Math.max(1, Math.ceil(height / size));
  const n = xs.length;
  const cellOf = new Int32Array(n);
  const start = new Int32Array(cols * rows + 1);
  for (let i = 0; i < n; i++) {
    const c = cellIndex(xs[i]!, ys[i]!, size, cols, rows);
    cellOf[i] = c;
    start[c + 1]!++;
  }
  for (let c = 0; c < cols * rows; c++) start[c + 1]! += start[c]!;
  const fill = start.slice(0, cols * rows);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[fill[cellOf[i]!]!++] = i;
  return { cellSize: size, cols, rows, start, order, xs, ys };
}

function cellIndex(x: number, y: number, size: number, cols: number, rows: number): number {
  const cx = Math.min(cols - 1, Math.max(0, Math.floor(x / size)));
  const cy = Math.min(rows - 1, Math.max(0, Math.floor(y / size)));
  return cy * cols + cx;
}

/**
 * The index of the point nearest to (x, y) within `radius` px, or -1. With radius <= cellSize
 * the 3 x 3 cells around (x, y) hold every candidate. Ties go to the point drawn last (the
 * higher index), which is the one on top.
 */
export function nearestPoint(grid: HitGrid, x: number, y: number, radius: number): number {
  const { cellSize, cols, rows, start, order, xs, ys } = grid;
  const reach = Math.max(1, Math.ceil(radius / cellSize));
  const cx = Math.floor(x / cellSize);
  const cy = Math.floor(y / cellSize);
  let best = -1;
  let bestD2 = radius * radius;
  for (let gy = Math.max(0, cy - reach); gy <= Math.min(rows - 1, cy + reach); gy++) {
    for (let gx = Math.max(0, cx - reach); gx <= Math.min(cols - 1, cx + reach); gx++) {
      const c = gy * cols + gx;
      for (let k = start[c]!; k < start[c + 1]!; k++) {
        const i = order[k]!;
        const dx = xs[i]! - x;
        const dy = ys[i]! - y;
        const d2 = dx * dx + dy * dy;
        if (d2 < bestD2 || (d2 === bestD2 && i > best)) {
          best = i;
          bestD2 = d2;
        }
      }
    }
  }
  return best;
}
