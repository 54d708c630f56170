"use client";

import { memo, useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from "react";
import type { VectorColumn } from "@/lib/uif/contract";
import { formatNumber } from "@/components/ui/format";
import { divergingColour, divergingScale } from "./colour-scale";
import {
  AXIS_HEIGHT,
  cellAt,
  cellDescription,
  columnTicks,
  formatSigned,
  heatmapLayout,
  LABEL_WIDTH,
  moveCell,
  partitionDates,
  partitionTitle,
  ROW_HEIGHT,
  type Cell,
} from "./heatmap-model";

// The heatmap of a user's partition vectors over time: one column per partition (time order),
// one row per selected dimension, a diverging colour per value. One <svg> of plain rects
// drawn once per data change (memoised); hover and keyboard only move a highlight and the
// single tooltip. Keyboard: Tab focuses the heatmap, arrows move the active cell, Home/End
// and PageUp/PageDown move along the row, Enter picks the partition; a polite live region
// reads the active cell.

const TOOLTIP_WIDTH = 300;

interface Props {
  columns: readonly VectorColumn[];
  dimensions: readonly number[];
  label: string;
  selectedSeq?: number | null;
  onSelectSeq?: (seq: number) => void;
}

export function VectorHeatmap({ columns, dimensions, label, selectedSeq = null, onSelectSeq }: Props) {
  const uid = useId().replace(/:/g, "");
  const containerRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [hovered, setHovered] = useState<Cell | null>(null);
  const [active, setActive] = useState<Cell | null>(null);
  const [scrollLeft, setScrollLeft] = useState(0);

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

  const layout = useMemo(
    () => heatmapLayout(columns.length, dimensions.length, width),
    [columns.length, dimensions.length, width],
  );
  const scale = useMemo(() => divergingScale(columns.flatMap((c) => c.values)), [columns]);
  const ticks = useMemo(() => columnTicks(columns, layout.columnWidth), [columns, layout.columnWidth]);

  // A new window or dimension set: keep the active cell inside it.
  const activeCell = active && active.column < columns.length && active.row < dimensions.length ? active : null;
  const shown = hovered ?? activeCell;
  const shownColumn = shown ? columns[shown.column] : undefined;
  const selectedIndex = selectedSeq === null ? -1 : columns.findIndex((c) => c.seq === selectedSeq);

  const pointerCell = (e: { clientX: number; clientY: number; currentTarget: Element }): Cell | null => {
    const box = e.currentTarget.getBoundingClientRect();
    return cellAt(layout, e.clientX - box.left, e.clientY - box.top);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (columns.length === 0 || dimensions.length === 0) return;
    const from = activeCell ?? { column: 0, row: 0 };
    if ((e.key === "Enter" || e.key === " ") && onSelectSeq) {
      e.preventDefault();
      onSelectSeq(columns[from.column]!.seq);
      return;
    }
    const next = moveCell(from, e.key, columns.length, dimensions.length);
    if (!next) return;
    e.preventDefault();
    setHovered(null);
    setActive(next);
  };

  const liveText =
    activeCell && columns[activeCell.column]
      ? cellDescription(
          columns[activeCell.column]!,
          dimensions[activeCell.row]!,
          columns[activeCell.column]!.values[activeCell.row] ?? 0,
        )
      : "";
  const tipLeft = shown
    ? Math.min(
        Math.max(0, LABEL_WIDTH + (shown.column + 0.5) * layout.columnWidth - TOOLTIP_WIDTH / 2),
        Math.max(0, layout.width - TOOLTIP_WIDTH),
      )
    : 0;

  return (
    <div className="relative">
      <div
        ref={containerRef}
        onScroll={(e) => setScrollLeft(e.currentTarget.scrollLeft)}
        role="group"
        aria-roledescription="heatmap"
        aria-label={label}
        aria-describedby={`${uid}-help`}
        tabIndex={0}
        onKeyDown={onKeyDown}
        onFocus={() => setActive((a) => a ?? { column: Math.max(0, selectedIndex), row: 0 })}
        onBlur={() => setActive(null)}
        className="relative overflow-x-auto rounded-md outline-none focus-visible:ring-2 focus-visible:ring-sky-600"
        data-testid="vector-heatmap"
      >
        <span id={`${uid}-help`} className="sr-only">
          Columns are partitions, oldest first; rows are vector dimensions. Arrow keys move between cells
          {onSelectSeq ? "; Enter picks the partition in the timeline and the cascade" : ""}.
        </span>
        <span className="sr-only" aria-live="polite">
          {liveText}
        </span>
        {width > 0 && (
          <svg
            width={layout.width}
            height={layout.height}
            viewBox={`0 0 ${layout.width} ${layout.height}`}
            aria-hidden="true"
            className="block"
            onPointerMove={(e) => {
              const c = pointerCell(e);
              if (c?.column !== hovered?.column || c?.row !== hovered?.row) setHovered(c);
            }}
            onPointerLeave={() => setHovered(null)}
            onClick={(e) => {
              const c = pointerCell(e);
              if (c && onSelectSeq) onSelectSeq(columns[c.column]!.seq);
            }}
            style={{ cursor: onSelectSeq ? "pointer" : "crosshair" }}
          >
            {dimensions.map((d, r) => (
              <text
                key={d}
                x={LABEL_WIDTH - 6}
                y={r * ROW_HEIGHT + ROW_HEIGHT / 2}
                textAnchor="end"
                dominantBaseline="middle"
                className="fill-slate-500 text-[9px] tabular-nums"
              >
                d{d}
              </text>
            ))}
            <Cells columns={columns} rows={dimensions.length} columnWidth={layout.columnWidth} colour={scale.colour} />
            <g>
              {ticks.map((t) => (
                <text
                  key={t.index}
                  x={LABEL_WIDTH + (t.index + 0.5) * layout.columnWidth}
                  y={dimensions.length * ROW_HEIGHT + AXIS_HEIGHT - 6}
                  textAnchor={t.index === 0 ? "start" : "middle"}
                  className="fill-slate-500 text-[10px] tabular-nums"
                >
                  {t.label}
                </text>
              ))}
            </g>
            <g pointerEvents="none">
              {selectedIndex >= 0 && (
                <rect
                  x={LABEL_WIDTH + selectedIndex * layout.columnWidth - 1}
                  y={-0.5}
                  width={layout.columnWidth + 2}
                  height={dimensions.length * ROW_HEIGHT + 1}
                  fill="none"
                  className="stroke-slate-900"
                  strokeWidth={2}
                />
              )}
              {shown && (
                <>
                  <rect
                    x={LABEL_WIDTH + shown.column * layout.columnWidth}
                    y={0}
                    width={layout.columnWidth}
                    height={dimensions.length * ROW_HEIGHT}
                    fill="none"
                    className="stroke-slate-500"
                    strokeWidth={1}
                  />
                  <rect
                    x={LABEL_WIDTH + shown.column * layout.columnWidth}
                    y={shown.row * ROW_HEIGHT}
                    width={layout.columnWidth}
                    height={ROW_HEIGHT}
                    fill="none"
                    className={activeCell && !hovered ? "stroke-sky-600" : "stroke-slate-900"}
                    strokeWidth={1.5}
                  />
                </>
              )}
            </g>
          </svg>
        )}
      </div>
      {shown && shownColumn && (
        <CellTooltip
          column={shownColumn}
          dimension={dimensions[shown.row]!}
          value={shownColumn.values[shown.row] ?? 0}
          colour={scale.colour(shownColumn.values[shown.row] ?? 0)}
          left={Math.max(0, tipLeft - scrollLeft)}
          top={dimensions.length * ROW_HEIGHT + AXIS_HEIGHT + 4}
        />
      )}
      <ScaleLegend limit={scale.limit} />
    </div>
  );
}

/** Every cell, as plain rects; re-rendered only when the data or the column width change. */
const Cells = memo(function Cells({
  columns,
  rows,
  columnWidth,
  colour,
}: {
  columns: readonly VectorColumn[];
  rows: number;
  columnWidth: number;
  colour: (v: number) => string;
}) {
  // A hairline between wide columns; none when they are a few px wide.
  const gap = columnWidth >= 8 ? 1 : 0;
  return (
    <g transform={`translate(${LABEL_WIDTH},0)`} shapeRendering="crispEdges">
      {columns.map((c, i) =>
        Array.from({ length: rows }, (_, r) => (
          <rect
            key={`${c.seq}:${r}`}
            x={i * columnWidth}
            y={r * ROW_HEIGHT}
            width={Math.max(0.5, columnWidth - gap)}
            height={ROW_HEIGHT - 1}
            fill={colour(c.values[r] ?? 0)}
          />
        )),
      )}
    </g>
  );
});

function CellTooltip({
  column,
  dimension,
  value,
  colour,
  left,
  top,
}: {
  column: VectorColumn;
  dimension: number;
  value: number;
  colour: string;
  left: number;
  top: number;
}) {
  return (
    <div
      aria-hidden="true"
      data-testid="heatmap-tooltip"
      className="pointer-events-none absolute z-20 rounded-md border border-slate-200 bg-white px-3 py-2 text-xs text-slate-700 shadow-lg"
      style={{ left, top, width: TOOLTIP_WIDTH }}
    >
      <div className="flex items-center justify-between gap-2">
        <span className="font-semibold text-slate-900">{partitionTitle(column.seq)}</span>
        <span className="tabular-nums text-slate-500">{formatNumber(column.count)} events</span>
      </div>
      <div className="mt-0.5 tabular-nums text-slate-600">{partitionDates(column)}</div>
      <div className="mt-1 flex items-center gap-1.5 tabular-nums">
        <span className="inline-block h-2.5 w-2.5 rounded-sm ring-1 ring-slate-300" style={{ background: colour }} />
        dimension {dimension}: <strong className="text-slate-900">{formatSigned(value)}</strong>
        <span className="ml-auto text-slate-500">weight {(column.weight * 100).toFixed(1)}%</span>
      </div>
      {column.summary ? (
        <p className="mt-1.5 line-clamp-4 border-t border-slate-100 pt-1 text-slate-700">{column.summary}</p>
      ) : (
        <p className="mt-1.5 border-t border-slate-100 pt-1 text-slate-500">No summary text.</p>
      )}
    </div>
  );
}

function ScaleLegend({ limit }: { limit: number }) {
  const stops = [-1, -0.5, 0, 0.5, 1].map((t) => `${divergingColour(t)} ${(t + 1) * 50}%`).join(", ");
  return (
    <div className="mt-1 flex items-center gap-2 text-[11px] text-slate-500 tabular-nums">
      <span>−{limit.toFixed(2)}</span>
      <span
        aria-hidden="true"
        className="h-2 w-40 rounded-sm ring-1 ring-slate-200"
        style={{ background: `linear-gradient(to right, ${stops})` }}
      />
      <span>+{limit.toFixed(2)}</span>
      <span>component value (clipped at the 98th percentile of |value|; the tooltip shows the exact one)</span>
    </div>
  );
}
