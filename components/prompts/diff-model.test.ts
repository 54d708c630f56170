import { diffLines } from "diff";
import { describe, expect, it } from "vitest";
import { diffRows, diffStats, foldUnchanged, hunkLines, type DiffRow } from "./diff-model";

const text = (lines: string[]) => lines.map((l) => `${l}\n`).join("");

describe("hunkLines", () => {
  it("treats a final line break as the end of the last line", () => {
    expect(hunkLines("a\nb\n")).toEqual(["a", "b"]);
    expect(hunkLines("a\nb")).toEqual(["a", "b"]);
    expect(hunkLines("a\r\n\nb\n")).toEqual(["a", "", "b"]);
    expect(hunkLines("")).toEqual([]);
  });
});

describe("diffRows", () => {
  it("numbers lines in both versions from the diff package's hunks", () => {
    const a = text(["one", "two", "three"]);
    const b = text(["one", "2", "three", "four"]);
    const rows = diffRows(diffLines(a, b));
    expect(rows).toEqual<DiffRow[]>([
      { kind: "same", text: "one", oldLine: 1, newLine: 1 },
      { kind: "removed", text: "two", oldLine: 2, newLine: null },
      { kind: "added", text: "2", oldLine: null, newLine: 2 },
      { kind: "same", text: "three", oldLine: 3, newLine: 3 },
      { kind: "added", text: "four", oldLine: null, newLine: 4 },
    ]);
    expect(diffStats(rows)).toEqual({ added: 2, removed: 1 });
  });

  it("gives only unchanged rows for identical texts, whose numbers agree", () => {
    const a = text(["x", "y"]);
    const rows = diffRows(diffLines(a, a));
    expect(rows.every((r) => r.kind === "same" && r.oldLine === r.newLine)).toBe(true);
    expect(diffStats(rows)).toEqual({ added: 0, removed: 0 });
  });

  it("keeps markup-like text as plain text", () => {
    const rows = diffRows([{ added: true, value: "<script>alert(1)</script>\n" }]);
    expect(rows).toEqual([{ kind: "added", text: "<script>alert(1)</script>", oldLine: null, newLine: 1 }]);
  });
});

describe("foldUnchanged", () => {
  const lines = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);

  it("folds long unchanged runs, keeping context around the change", () => {
    const b = [...lines];
    b[9] = "changed";
    const rows = foldUnchanged(diffRows(diffLines(text(lines), text(b))), 2);
    expect(rows.map((r) => (r.kind === "fold" ? `fold ${r.hidden} @${r.oldLine}` : `${r.kind} ${r.text}`))).toEqual([
      "fold 7 @1",
      "same line 8",
      "same line 9",
      "removed line 10",
      "added changed",
      "same line 11",
      "same line 12",
      "fold 8 @13",
    ]);
  });

  it("does not fold a run that would hide fewer than two lines", () => {
    // Lines 2-4 unchanged between two changes: with one line of context each side, one would hide.
    const a = lines.slice(0, 5);
    const b = [...a];
    b[0] = "first";
    b[4] = "fifth";
    const rows = foldUnchanged(diffRows(diffLines(text(a), text(b))), 1);
    expect(rows.filter((r) => r.kind === "same")).toHaveLength(3);
    expect(rows.some((r) => r.kind === "fold")).toBe(false);
    // Without context the same run hides three lines and folds.
    expect(foldUnchanged(diffRows(diffLines(text(a), text(b))), 0).filter((r) => r.kind === "fold")).toHaveLength(1);
  });

  it("loses no line: shown plus hidden equals the whole diff", () => {
    const b = [...lines.slice(3), "tail"];
    const all = diffRows(diffLines(text(lines), text(b)));
    const folded = foldUnchanged(all, 1);
    const count = folded.reduce((n, r) => n + (r.kind === "fold" ? r.hidden : 1), 0);
    expect(count).toBe(all.length);
  });
});
