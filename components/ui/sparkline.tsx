// A plain SVG sparkline: one <path> per row is far cheaper than a chart instance per row.

export interface SparklineGeometry {
  line: string;
  area: string;
  /** The last point, drawn as a dot so a one-value series is still visible. */
  last: { x: number; y: number } | null;
}

/** Path data for values scaled into a width x height box (y grows downwards, zero at the bottom). */
export function sparklineGeometry(values: number[], width: number, height: number, pad = 1.5): SparklineGeometry {
  if (values.length === 0) return { line: "", area: "", last: null };
  const max = Math.max(...values, 0) || 1;
  const innerW = width - 2 * pad;
  const innerH = height - 2 * pad;
  const step = values.length > 1 ? innerW / (values.length - 1) : 0;
  const round = (n: number) => Math.round(n * 100) / 100;
  const pts = values.map((v, i) => ({
    x: round(values.length > 1 ? pad + i * step : width / 2),
    y: round(pad + innerH - (Math.max(v, 0) / max) * innerH),
  }));
  // A single month is drawn as a short level stroke, so it reads as a line, not a stray dot.
  const drawn = pts.length === 1 ? [{ x: round(pts[0]!.x - 6), y: pts[0]!.y }, pts[0]!] : pts;
  const line = drawn.map((p, i) => `${i === 0 ? "M" : "L"}${p.x} ${p.y}`).join(" ");
  const bottom = round(height - pad);
  const area = `${line} L${drawn[drawn.length - 1]!.x} ${bottom} L${drawn[0]!.x} ${bottom} Z`;
  return { line, area, last: pts[pts.length - 1]! };
}

export function Sparkline({
  values,
  label,
  width = 120,
  height = 24,
}: {
  values: number[];
  /** What the line shows, for screen readers (the image itself is decorative detail). */
  label: string;
  width?: number;
  height?: number;
}) {
  if (values.length === 0) {
    return (
      <span className="text-xs text-slate-400" aria-label={label}>
        no activity
      </span>
    );
  }
  const g = sparklineGeometry(values, width, height);
  return (
    <svg
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={label}
      className="block overflow-visible"
    >
      <path d={g.area} className="fill-sky-100" />
      <path
        d={g.line}
        className="fill-none stroke-sky-600"
        strokeWidth={1.25}
        strokeLinejoin="round"
        strokeLinecap="round"
      />
      {g.last && <circle cx={g.last.x} cy={g.last.y} r={1.75} className="fill-sky-700" />}
    </svg>
  );
}
