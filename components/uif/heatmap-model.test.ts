import { describe, expect, it } from "vitest";
import type { VectorColumn } from "@/lib/uif/contract";
import {
  AXIS_HEIGHT,
  cellAt,
  cellDescription,
  columnTicks,
  heatmapLayout,
  LABEL_WIDTH,
  MIN_COLUMN_WIDTH,
  moveCell,
  ROW_HEIGHT,
} from "./heatmap-model";

const column = (seq: number): VectorColumn => ({
  seq,
  startTs: "2001-03-04T10:00:00.000Z",
  endTs: "2001-05-06T00:00:00.000Z",
  sealedAt: "2001-05-06T00:00:00.000Z",
  count: 40,
  summary: "likes drama",
  shift: null,
  values: [0.1, -0.2],
  xy: [0, 0],
  drift: null,
  weight: 0.5,
});

describe("heatmapLayout and cellAt", () => {
  it("shares the width between columns and finds the cell under the pointer", () => {
    const layout = heatmapLayout(10, 16, LABEL_WIDTH + 400);
    expect(layout.columnWidth).toBe(40);
    expect(layout.height).toBe(16 * ROW_HEIGHT + AXIS_HEIGHT);
    expect(cellAt(layout, LABEL_WIDTH + 0, 0)).toEqual({ column: 0, row: 0 });
    expect(cellAt(layout, LABEL_WIDTH + 399.9, 16 * ROW_HEIGHT - 0.1)).toEqual({ column: 9, row: 15 });
    expect(cellAt(layout, LABEL_WIDTH + 85, 3 * ROW_HEIGHT + 1)).toEqual({ column: 2, row: 3 });
  });

  it("answers null on the labels, the axis and beyond the cells", () => {
    const layout = heatmapLayout(10, 16, LABEL_WIDTH + 400);
    expect(cellAt(layout, LABEL_WIDTH - 1, 5)).toBeNull();
    expect(cellAt(layout, LABEL_WIDTH + 10, 16 * ROW_HEIGHT + 2)).toBeNull();
    expect(cellAt(layout, LABEL_WIDTH + 400, 5)).toBeNull();
  });

  it("keeps a minimum column width with many partitions (the heatmap scrolls)", () => {
    const layout = heatmapLayout(1000, 16, 600);
    expect(layout.columnWidth).toBe(MIN_COLUMN_WIDTH);
    expect(layout.width).toBeGreaterThan(600);
    expect(cellAt(layout, LABEL_WIDTH + 999 * MIN_COLUMN_WIDTH + 1, 0)).toEqual({ column: 999, row: 0 });
  });
});

describe("moveCell", () => {
  it("moves with the arrows and stops at the edges", () => {
    expect(moveCell({ column: 0, row: 0 }, "ArrowLeft", 5, 3)).toEqual({ column: 0, row: 0 });
    expect(moveCell({ column: 0, row: 0 }, "ArrowRight", 5, 3)).toEqual({ column: 1, row: 0 });
    expect(moveCell({ column: 2, row: 2 }, "ArrowDown", 5, 3)).toEqual({ column: 2, row: 2 });
    expect(moveCell({ column: 2, row: 2 }, "End", 5, 3)).toEqual({ column: 4, row: 2 });
    expect(moveCell({ column: 2, row: 1 }, "PageUp", 50, 3)).toEqual({ column: 0, row: 1 });
    expect(moveCell({ column: 2, row: 1 }, "a", 5, 3)).toBeNull();
  });
});

describe("columnTicks and cellDescription", () => {
  it("labels partitions 1-based, thinned to the space", () => {
    const cols = Array.from({ length: 100 }, (_, i) => column(i + 200));
    const ticks = columnTicks(cols, 7);
    expect(ticks[0]).toEqual({ index: 0, label: "P201" });
    expect(ticks[1]!.index).toBe(10);
    expect(columnTicks([], 7)).toEqual([]);
  });

  it("describes a cell for assistive technology", () => {
    expect(cellDescription(column(4), 17, -0.2)).toBe(
      "Partition 5, 2001-03-04 – 2001-05-06, 40 events; dimension 17: −0.200",
    );
  });
});
