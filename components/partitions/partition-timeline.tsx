"use client";

import {
  memo,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  type FocusEvent,
  type KeyboardEvent,
  type MouseEvent,
  type PointerEvent,
} from "react";
import { formatNumber } from "@/components/ui/format";
import { bandDates, bandLabel, bandTitle, SEAL_REASONS, type TimelineBand } from "./bands";
import { categoryColour } from "./category-colours";
import { formatShare } from "./category-shares";
import { buildTimeScale, sequenceSlots, sequenceTicks, timeTicks } from "./timeline-layout";

// The partition timeline: every partition a band over its time range, coloured by its dominant
// category, the open cache hatched with a dashed outline. Built to stay fluid with thousands
// of bands: ONE <svg> of plain <rect>s (memoised per row, no component per band), event
// delegation on the <svg> (no handler per band), and ONE floating tooltip positioned from the
// computed layout (nothing is measured on hover). Bands are keyboard reachable with a roving
// tabindex: Tab enters the timeline, arrows move between bands, Enter or Space opens one.

export interface TimelineRow {
  id: string;
  /** Shown left of the row when the timeline has several rows (e.g. "Draft", "Active"). */
  label?: string;
  bands: readonly TimelineBand[];
}

export type TimelineScaleMode = "time" | "sequence";

export interface SelectedBand {
  row: string;
  seq: number;
  open: boolean;
}

interface Props {
  rows: readonly TimelineRow[];
  mode?: TimelineScaleMode;
  selected?: SelectedBand | null;
  onSelect?: (row: string, band: TimelineBand) => void;
  /** Accessible name of the whole timeline. */
  label: string;
  rowHeight?: number;
}

const ROW_GAP = 10;
const AXIS_HEIGHT = 22;
const LABEL_WIDTH = 64;
const TOOLTIP_WIDTH = 264;

interface BandRect {
  x: number;
  width: number;
  colour: string;
  /** The band's accessible name, computed once per layout (not on every render). */
  label: string;
  band: TimelineBand;
}

interface RowLayout {
  id: string;
  label?: string;
  y: number;
  rects: BandRect[];
}

interface Position {
  row: number;
  index: number;
}

const samePosition = (a: Position | null, b: Position | null) => a?.row === b?.row && a?.index === b?.index;

export function PartitionTimeline({ rows, mode = "time", selected = null, onSelect, label, rowHeight = 44 }: Props) {
  const uid = useId().replace(/:/g, "");
  const containerRef = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const [width, setWidth] = useState(0);
  const [hovered, setHovered] = useState<Position | null>(null);
  const [focused, setFocused] = useState<Position | null>(null);
  const [active, setActive] = useState<Position>({ row: 0, index: 0 });

  useEffect(() => {
    const el = containerRef.current;
    if (!el) return;
    setWidth(Math.floor(el.clientWidth));
    const observer = new ResizeObserver((entries) => {
      const w = Math.floor(entries[0]?.contentRect.width ?? 0);
      setWidth((prev) => (prev === w ? prev : w));
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const labelWidth = rows.length > 1 || rows.some((r) => r.label) ? LABEL_WIDTH : 0;
  const plotWidth = Math.max(0, width - labelWidth);
  const height = rows.length * rowHeight + Math.max(0, rows.length - 1) * ROW_GAP + AXIS_HEIGHT;

  const layout = useMemo(() => computeLayout(rows, plotWidth, rowHeight, mode), [rows, plotWidth, rowHeight, mode]);

  // Keep the roving tab stop on an existing band when the data changes.
  const activePos = clampPosition(active, layout.rows);

  const positionOf = (target: EventTarget | null): Position | null => {
    const key = target instanceof Element ? target.getAttribute("data-band") : null;
    if (!key) return null;
    const [row, index] = key.split(":").map(Number);
    return { row: row!, index: index! };
  };
  const bandAt = (p: Position | null) => (p ? layout.rows[p.row]?.rects[p.index] : undefined);

  const focusBand = (p: Position) => {
    setActive(p);
    svgRef.current?.querySelector<SVGRectElement>(`[data-band="${p.row}:${p.index}"]`)?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<SVGSVGElement>) => {
    const p = positionOf(e.target);
    if (!p) return;
    const row = layout.rows[p.row]!;
    let next: Position | null = null;
    switch (e.key) {
      case "ArrowRight":
        next = { row: p.row, index: Math.min(row.rects.length - 1, p.index + 1) };
        break;
      case "ArrowLeft":
        next = { row: p.row, index: Math.max(0, p.index - 1) };
        break;
      case "Home":
        next = { row: p.row, index: 0 };
        break;
      case "End":
        next = { row: p.row, index: row.rects.length - 1 };
        break;
      case "ArrowUp":
      case "ArrowDown": {
        const target = layout.rows[p.row + (e.key === "ArrowUp" ? -1 : 1)];
        if (target && target.rects.length)
          next = { row: layout.rows.indexOf(target), index: nearestIndex(target.rects, row.rects[p.index]!) };
        break;
      }
      case "Enter":
      case " ": {
        e.preventDefault();
        const r = bandAt(p);
        if (r) onSelect?.(row.id, r.band);
        return;
      }
      default:
        return;
    }
    e.preventDefault();
    if (next && !samePosition(next, p)) focusBand(next);
  };

  const onPointerMove = (e: PointerEvent<SVGSVGElement>) => {
    const p = positionOf(e.target);
    if (!samePosition(p, hovered)) setHovered(p);
  };

  const onClick = (e: MouseEvent<SVGSVGElement>) => {
    const p = positionOf(e.target);
    const r = bandAt(p);
    if (!p || !r) return;
    setActive(p);
    onSelect?.(layout.rows[p.row]!.id, r.band);
  };

  const onFocus = (e: FocusEvent<SVGSVGElement>) => {
    const p = positionOf(e.target);
    if (!p) return;
    setActive(p);
    // The focus ring and tooltip are for keyboard focus; a mouse click already has the hover tooltip.
    if (e.target instanceof Element && e.target.matches(":focus-visible")) setFocused(p);
  };

  const tipPos = hovered ?? focused;
  const tip = bandAt(tipPos);
  const tipRow = tipPos ? layout.rows[tipPos.row] : undefined;
  const focusedRect = bandAt(focused);
  const selectedPos = selected ? findBand(layout.rows, selected) : null;
  const selectedRect = bandAt(selectedPos);

  return (
    <div ref={containerRef} className="relative w-full select-none" style={{ height }}>
      {width > 0 && (
        <svg
          ref={svgRef}
          width={width}
          height={height}
          viewBox={`0 0 ${width} ${height}`}
          role="group"
          aria-label={label}
          className="block overflow-visible"
          onKeyDown={onKeyDown}
          onPointerMove={onPointerMove}
          onPointerLeave={() => setHovered(null)}
          onClick={onClick}
          onFocus={onFocus}
          onBlur={() => setFocused(null)}
        >
          <defs>
            {layout.rows.map((row, r) =>
              row.rects
                .filter((rect) => rect.band.open)
                .map((rect) => (
                  <pattern
                    key={`${r}`}
                    id={`${uid}-hatch-${r}`}
                    width="6"
                    height="6"
                    patternUnits="userSpaceOnUse"
                    patternTransform="rotate(45)"
                  >
                    <rect width="6" height="6" fill="#ffffff" />
                    <rect width="2.5" height="6" fill={rect.colour} fillOpacity="0.55" />
                  </pattern>
                )),
            )}
          </defs>
          {labelWidth > 0 &&
            layout.rows.map((row) => (
              <text
                key={row.id}
                x={0}
                y={row.y + rowHeight / 2}
                dominantBaseline="middle"
                className="fill-slate-600 text-[11px] font-medium"
              >
                {row.label}
              </text>
            ))}
          <g transform={`translate(${labelWidth},0)`}>
            {layout.rows.map((row, r) => (
              <g key={row.id}>
                <rect
                  x={0}
                  y={row.y}
                  width={plotWidth}
                  height={rowHeight}
                  rx={3}
                  className="fill-slate-50 stroke-slate-200"
                  strokeWidth={1}
                />
                {row.rects.length === 0 ? (
                  <text
                    x={8}
                    y={row.y + rowHeight / 2}
                    dominantBaseline="middle"
                    className="fill-slate-400 text-[11px]"
                  >
                    No partitions
                  </text>
                ) : (
                  <BandRects
                    rects={row.rects}
                    rowIndex={r}
                    y={row.y}
                    height={rowHeight}
                    tabStop={activePos.row === r ? activePos.index : -1}
                    hatchId={`${uid}-hatch-${r}`}
                  />
                )}
              </g>
            ))}
            <Axis ticks={layout.ticks} y={height - AXIS_HEIGHT} width={plotWidth} />
            <g pointerEvents="none">
              {selectedRect && selectedPos && (
                <Outline
                  rect={selectedRect}
                  y={layout.rows[selectedPos.row]!.y}
                  height={rowHeight}
                  className="stroke-slate-900"
                  strokeWidth={2}
                />
              )}
              {focusedRect && focused && (
                <Outline
                  rect={focusedRect}
                  y={layout.rows[focused.row]!.y}
                  height={rowHeight}
                  className="stroke-sky-600"
                  strokeWidth={2}
                />
              )}
              {tip && tipPos && !samePosition(tipPos, focused) && (
                <Outline
                  rect={tip}
                  y={layout.rows[tipPos.row]!.y}
                  height={rowHeight}
                  className="stroke-slate-500"
                  strokeWidth={1}
                />
              )}
            </g>
          </g>
        </svg>
      )}
      {tip && tipRow && (
        <BandTooltip
          band={tip.band}
          colour={tip.colour}
          left={Math.min(
            Math.max(0, labelWidth + tip.x + tip.width / 2 - TOOLTIP_WIDTH / 2),
            Math.max(0, width - TOOLTIP_WIDTH),
          )}
          top={tipRow.y + rowHeight + 6}
        />
      )}
    </div>
  );
}

function computeLayout(rows: readonly TimelineRow[], width: number, rowHeight: number, mode: TimelineScaleMode) {
  const all = rows.flatMap((r) => r.bands);
  const scale = mode === "time" ? buildTimeScale(all, width) : null;
  const laidOut: RowLayout[] = rows.map((row, r) => {
    const slots = scale ? row.bands.map((b) => scale.band(b)) : sequenceSlots(row.bands.length, width);
    return {
      id: row.id,
      label: row.label,
      y: r * (rowHeight + ROW_GAP),
      rects: row.bands.map((band, i) => ({
        ...slots[i]!,
        band,
        colour: categoryColour(band.dominant),
        label: rows.length > 1 && row.label ? `${row.label} · ${bandLabel(band)}` : bandLabel(band),
      })),
    };
  });
  const ticks: AxisTick[] = scale
    ? timeTicks(scale).map((t) => ({ key: t.t, x: t.x, label: t.label }))
    : sequenceTicks(rows[0]?.bands.length ?? 0, width).map((t) => ({ key: t.index, x: t.x, label: t.label }));
  return { rows: laidOut, ticks };
}

function clampPosition(p: Position, rows: RowLayout[]): Position {
  const row = Math.min(p.row, Math.max(0, rows.length - 1));
  const count = rows[row]?.rects.length ?? 0;
  return { row, index: Math.min(p.index, Math.max(0, count - 1)) };
}

function findBand(rows: RowLayout[], s: SelectedBand): Position | null {
  const row = rows.findIndex((r) => r.id === s.row);
  if (row < 0) return null;
  const index = rows[row]!.rects.findIndex((r) => r.band.seq === s.seq && r.band.open === s.open);
  return index < 0 ? null : { row, index };
}

function nearestIndex(rects: BandRect[], from: BandRect): number {
  const centre = from.x + from.width / 2;
  let best = 0;
  let bestDistance = Infinity;
  rects.forEach((r, i) => {
    const d = Math.abs(r.x + r.width / 2 - centre);
    if (d < bestDistance) {
      best = i;
      bestDistance = d;
    }
  });
  return best;
}

/** One row's bands: plain rects, re-rendered only when the row's layout or tab stop changes. */
const BandRects = memo(function BandRects({
  rects,
  rowIndex,
  y,
  height,
  tabStop,
  hatchId,
}: {
  rects: BandRect[];
  rowIndex: number;
  y: number;
  height: number;
  tabStop: number;
  hatchId: string;
}) {
  return (
    <>
      {rects.map((r, i) => {
        // A hairline gap between neighbours once there is room for it.
        const inset = r.width > 4 ? 1 : 0;
        const w = Math.max(r.width - inset, 0.75);
        return (
          <rect
            key={`${r.band.open ? "open" : r.band.seq}`}
            data-band={`${rowIndex}:${i}`}
            role="button"
            tabIndex={i === tabStop ? 0 : -1}
            aria-label={r.label}
            x={r.x + inset / 2}
            y={r.band.open ? y + 1.5 : y + 1}
            width={w}
            height={r.band.open ? height - 3 : height - 2}
            rx={w > 6 ? 2 : 0}
            fill={r.band.open ? `url(#${hatchId})` : r.colour}
            stroke={r.band.open ? r.colour : undefined}
            strokeWidth={r.band.open ? 1.5 : undefined}
            strokeDasharray={r.band.open ? "4 2" : undefined}
            className="cursor-pointer outline-none"
          />
        );
      })}
    </>
  );
});

function Outline({
  rect,
  y,
  height,
  className,
  strokeWidth,
}: {
  rect: BandRect;
  y: number;
  height: number;
  className: string;
  strokeWidth: number;
}) {
  const w = Math.max(rect.width, 3);
  return (
    <rect
      x={rect.x + rect.width / 2 - w / 2 - 1}
      y={y - 1}
      width={w + 2}
      height={height + 2}
      rx={3}
      fill="none"
      className={className}
      strokeWidth={strokeWidth}
    />
  );
}

interface AxisTick {
  key: number;
  x: number;
  label: string;
}

function Axis({ ticks, y, width }: { ticks: AxisTick[]; y: number; width: number }) {
  return (
    <g aria-hidden="true">
      {ticks.map((t) => (
        <g key={t.key}>
          <line x1={t.x} x2={t.x} y1={y - 4} y2={y + 2} className="stroke-slate-300" />
          <text
            x={t.x}
            y={y + 14}
            textAnchor={t.x < 24 ? "start" : t.x > width - 24 ? "end" : "middle"}
            className="fill-slate-500 text-[10px] tabular-nums"
          >
            {t.label}
          </text>
        </g>
      ))}
    </g>
  );
}

/** The single floating tooltip (decorative: each band's accessible name says the same). */
function BandTooltip({ band, colour, left, top }: { band: TimelineBand; colour: string; left: number; top: number }) {
  return (
    <div
      aria-hidden="true"
      className="pointer-events-none absolute z-20 rounded-md border border-slate-200 bg-white px-3 py-2 text-xs text-slate-700 shadow-lg"
      style={{ left, top, width: TOOLTIP_WIDTH }}
    >
      <div className="flex items-center justify-between gap-2">
        <span className="flex items-center gap-1.5 font-semibold text-slate-900">
          <span
            className={`inline-block h-2.5 w-2.5 rounded-sm ${band.open ? "border border-dashed" : ""}`}
            style={{ background: band.open ? "transparent" : colour, borderColor: colour }}
          />
          {bandTitle(band)}
        </span>
        <span className="tabular-nums text-slate-500">{formatNumber(band.count)} events</span>
      </div>
      <div className="mt-0.5 tabular-nums text-slate-600">{bandDates(band)}</div>
      {band.top.length > 0 && (
        <ul className="mt-1.5 space-y-0.5">
          {band.top.map((c) => (
            <li key={c.category} className="flex items-center gap-1.5">
              <span
                className="inline-block h-2 w-2 shrink-0 rounded-full"
                style={{ background: categoryColour(c.category) }}
              />
              <span className="min-w-0 flex-1 truncate">{c.category}</span>
              <span className="tabular-nums text-slate-500">{formatShare(c.share)}</span>
            </li>
          ))}
        </ul>
      )}
      <div className="mt-1.5 border-t border-slate-100 pt-1 text-slate-500">
        {band.open
          ? "Open cache: not sealed yet, so not summarised"
          : band.sealReason
            ? `Sealed: ${SEAL_REASONS[band.sealReason]}`
            : "Sealed"}
        {band.lateCount > 0 && <span className="block text-amber-700">{formatNumber(band.lateCount)} late events</span>}
      </div>
    </div>
  );
}
