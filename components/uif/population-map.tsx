"use client";

import { useEffect, useMemo, useRef, useState } from "react";
import type { PopulationColor, PopulationPoint } from "@/lib/uif/contract";
import { formatNumber } from "@/components/ui/format";
import { buildHitGrid, nearestPoint } from "./hit-grid";
import { colourPoints, drawOrder, fitToCanvas, type PointColours } from "./population-model";

// The population map: every user's fused vector in 2-D, one dot per user. Built for 6,000+
// users: the dots are drawn on a <canvas> (no DOM node per user), once per data, size or
// colour change; hover, selection and neighbours are drawn on a second canvas on top, so
// moving the pointer never redraws the cloud; the dot under the pointer is found through a
// uniform grid (hit-grid.ts), not by scanning every user.

const PADDING = 18;
const HIT_RADIUS = 8;
const TOOLTIP_WIDTH = 220;

interface Props {
  points: readonly PopulationPoint[];
  /** Colours computed by the parent (shared with the legend). */
  colours: PointColours;
  selected: string | null;
  neighbours: readonly string[];
  /** A user to outline (e.g. hovered in the neighbours list). */
  highlighted: string | null;
  onOpen: (user: string) => void;
  label: string;
}

export function usePointColours(points: readonly PopulationPoint[], attribute: PopulationColor): PointColours {
  return useMemo(() => colourPoints(points, attribute), [points, attribute]);
}

export function PopulationMap({ points, colours, selected, neighbours, highlighted, onOpen, label }: Props) {
  const containerRef = useRef<HTMLDivElement>(null);
  const baseRef = useRef<HTMLCanvasElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);
  const [hovered, setHovered] = useState(-1);
  const height = Math.round(Math.min(640, Math.max(320, width * 0.68)));

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

  const fitted = useMemo(() => fitToCanvas(points, width, height, PADDING), [points, width, height]);
  const grid = useMemo(() => buildHitGrid(fitted.xs, fitted.ys, width, height, HIT_RADIUS), [fitted, width, height]);
  const groups = useMemo(() => drawOrder(colours.colours), [colours]);
  const indexOf = useMemo(() => new Map(points.map((p, i) => [p.user, i])), [points]);
  const radius = points.length > 3000 ? 2.2 : points.length > 800 ? 2.8 : 3.6;

  // The cloud: redrawn only when the data, the colours or the size change.
  useEffect(() => {
    const canvas = baseRef.current;
    const ctx = prepare(canvas, width, height);
    if (!ctx) return;
    ctx.globalAlpha = 0.8;
    for (const g of groups) {
      ctx.fillStyle = g.colour;
      ctx.beginPath();
      for (const i of g.indexes) {
        const x = fitted.xs[i]!;
        const y = fitted.ys[i]!;
        ctx.moveTo(x + radius, y);
        ctx.arc(x, y, radius, 0, 2 * Math.PI);
      }
      ctx.fill();
    }
  }, [groups, fitted, width, height, radius]);

  const selectedIndex = selected === null ? -1 : (indexOf.get(selected) ?? -1);
  const neighbourIndexes = useMemo(
    () => neighbours.map((u) => indexOf.get(u) ?? -1).filter((i) => i >= 0),
    [neighbours, indexOf],
  );
  const highlightedIndex = highlighted === null ? -1 : (indexOf.get(highlighted) ?? -1);

  // The overlay: selection, neighbours, hover. Cheap: a handful of shapes.
  useEffect(() => {
    const ctx = prepare(overlayRef.current, width, height);
    if (!ctx) return;
    const ring = (i: number, r: number, stroke: string, lineWidth: number, fill?: string) => {
      ctx.beginPath();
      ctx.arc(fitted.xs[i]!, fitted.ys[i]!, r, 0, 2 * Math.PI);
      if (fill) {
        ctx.fillStyle = fill;
        ctx.fill();
      }
      ctx.strokeStyle = stroke;
      ctx.lineWidth = lineWidth;
      ctx.stroke();
    };
    if (selectedIndex >= 0) {
      ctx.strokeStyle = "rgba(15, 23, 42, 0.35)";
      ctx.lineWidth = 1;
      for (const n of neighbourIndexes) {
        ctx.beginPath();
        ctx.moveTo(fitted.xs[selectedIndex]!, fitted.ys[selectedIndex]!);
        ctx.lineTo(fitted.xs[n]!, fitted.ys[n]!);
        ctx.stroke();
      }
    }
    for (const n of neighbourIndexes) ring(n, radius + 2.5, "#0f172a", 1.25, colours.colours[n]);
    if (selectedIndex >= 0) {
      ring(selectedIndex, radius + 7, "#ffffff", 4);
      ring(selectedIndex, radius + 7, "#0f172a", 2, colours.colours[selectedIndex]);
    }
    if (highlightedIndex >= 0) ring(highlightedIndex, radius + 5, "#0284c7", 2.5);
    if (hovered >= 0) ring(hovered, radius + 3, "#0f172a", 1.5);
  }, [fitted, width, height, radius, selectedIndex, neighbourIndexes, highlightedIndex, hovered, colours]);

  const indexAt = (e: { clientX: number; clientY: number; currentTarget: Element }) => {
    const box = e.currentTarget.getBoundingClientRect();
    return nearestPoint(grid, e.clientX - box.left, e.clientY - box.top, HIT_RADIUS);
  };

  const tip = hovered >= 0 ? points[hovered] : undefined;
  return (
    <div ref={containerRef} className="relative w-full select-none" style={{ height }} data-testid="population-map">
      {width > 0 && (
        <>
          <canvas ref={baseRef} role="img" aria-label={label} className="absolute inset-0" style={{ width, height }} />
          <canvas
            ref={overlayRef}
            aria-hidden="true"
            className="absolute inset-0"
            style={{ width, height, cursor: hovered >= 0 ? "pointer" : "default" }}
            onPointerMove={(e) => {
              const i = indexAt(e);
              if (i !== hovered) setHovered(i);
            }}
            onPointerLeave={() => setHovered(-1)}
            onClick={(e) => {
              // The dot the tooltip names, if any: a click's coordinates are whole pixels while
              // the pointer's are not, so at the edge of a dot's reach the hover could hit and
              // the click miss. Without a hover (touch), the dot under the tap.
              const i = hovered >= 0 ? hovered : indexAt(e);
              if (i >= 0) onOpen(points[i]!.user);
            }}
          />
        </>
      )}
      {tip && (
        <div
          role="tooltip"
          data-testid="population-tooltip"
          className="pointer-events-none absolute z-20 rounded-md border border-slate-200 bg-white px-3 py-2 text-xs text-slate-700 shadow-lg"
          style={{
            width: TOOLTIP_WIDTH,
            left: Math.min(Math.max(0, fitted.xs[hovered]! + 12), Math.max(0, width - TOOLTIP_WIDTH)),
            top: fitted.ys[hovered]! + 12 > height - 80 ? fitted.ys[hovered]! - 80 : fitted.ys[hovered]! + 12,
          }}
        >
          <div className="font-semibold text-slate-900">User {tip.user}</div>
          <div className="tabular-nums text-slate-600">
            {formatNumber(tip.partitions)} partitions · {formatNumber(tip.events)} events
          </div>
          <div className="mt-0.5 flex items-center gap-1.5">
            <span className="inline-block h-2.5 w-2.5 rounded-full" style={{ background: colours.colours[hovered] }} />
            {tip.color === null ? "not known" : typeof tip.color === "number" ? formatNumber(tip.color) : tip.color}
          </div>
          <div className="mt-1 text-slate-500">Click to open the user</div>
        </div>
      )}
    </div>
  );
}

/** Sizes a canvas for the device pixel ratio and returns a cleared context in CSS pixels. */
function prepare(canvas: HTMLCanvasElement | null, width: number, height: number): CanvasRenderingContext2D | null {
  if (!canvas || width <= 0 || height <= 0) return null;
  const ratio = Math.min(2, window.devicePixelRatio || 1);
  const w = Math.round(width * ratio);
  const h = Math.round(height * ratio);
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext("2d");
  if (!ctx) return null;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}
