import type { DiffHunk } from "@/lib/summaries/api-client";

// The rendering model of a line diff: the API sends the `diff` package's hunks (each a run
// of whole lines, added, removed or shared); the screen shows one row per line with the
// line numbers of both versions, and folds long runs of unchanged lines.

export type DiffRow =
  | { kind: "added"; text: string; oldLine: null; newLine: number }
  | { kind: "removed"; text: string; oldLine: number; newLine: null }
  | { kind: "same"; text: string; oldLine: number; newLine: number }
  | { kind: "fold"; hidden: number; oldLine: number; newLine: number };

/** Lines of a hunk value: a final line break ends the last line, it does not start a new one. */
export function hunkLines(value: string): string[] {
  if (value === "") return [];
  const lines = value.split(/\r\n|\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** One row per line, numbered in version A (old) and version B (new). */
export function diffRows(hunks: readonly DiffHunk[]): DiffRow[] {
  const rows: DiffRow[] = [];
  let oldLine = 1;
  let newLine = 1;
  for (const hunk of hunks) {
    for (const text of hunkLines(hunk.value)) {
      if (hunk.added) rows.push({ kind: "added", text, oldLine: null, newLine: newLine++ });
      else if (hunk.removed) rows.push({ kind: "removed", text, oldLine: oldLine++, newLine: null });
      else rows.push({ kind: "same", text, oldLine: oldLine++, newLine: newLine++ });
    }
  }
  return rows;
}

/**
 * Keeps `context` unchanged lines around each change and folds longer unchanged runs into one
 * "fold" row saying how many lines it hides. A run is only folded when that hides at least
 * two lines (folding one line would take as much room as showing it).
 */
export function foldUnchanged(rows: readonly DiffRow[], context = 3): DiffRow[] {
  const out: DiffRow[] = [];
  let i = 0;
  while (i < rows.length) {
    if (rows[i]!.kind !== "same") {
      out.push(rows[i]!);
      i++;
      continue;
    }
    let end = i;
    while (end < rows.length && rows[end]!.kind === "same") end++;
    const run = rows.slice(i, end);
    const keepBefore = i === 0 ? 0 : context;
    const keepAfter = end === rows.length ? 0 : context;
    const hidden = run.length - keepBefore - keepAfter;
    if (hidden < 2) {
      out.push(...run);
    } else {
      out.push(...run.slice(0, keepBefore));
      const first = run[keepBefore]!;
      out.push({ kind: "fold", hidden, oldLine: first.oldLine!, newLine: first.newLine! });
      out.push(...run.slice(run.length - keepAfter));
    }
    i = end;
  }
  return out;
}

export function diffStats(rows: readonly DiffRow[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const r of rows) {
    if (r.kind === "added") added++;
    else if (r.kind === "removed") removed++;
  }
  return { added, removed };
}

export const FIELD_LABELS = {
  system: "System prompt",
  userTemplate: "User template",
  behaviorOptions: "Behaviour options",
} as const;
