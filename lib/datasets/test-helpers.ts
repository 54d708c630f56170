import path from "node:path";
import type { BehaviorEvent, ItemLabels, ItemRecord, UserRecord } from "../ingest/records";
import type { ImportContext, ImportStep } from "../ingest/session";

/** Test support: runs an importer's steps without a database and collects what it produced. */
export const FIXTURES = path.resolve(import.meta.dirname, "fixtures");

export interface CollectedSteps {
  items: ItemRecord[];
  users: UserRecord[];
  labels: ItemLabels[];
  /** Events parsed back from the COPY lines of the batches, with their origin. */
  events: (BehaviorEvent & { file: string; line: number })[];
  duplicatesInBatches: number;
  rejected: { file: string; line: number; reason: string }[];
  rowsRead: number;
  bytesRead: number;
  order: ImportStep["type"][];
}

export async function collectSteps(
  steps: (ctx: ImportContext) => AsyncIterable<ImportStep>,
  opts: { source?: string; batchSize?: number; nowMs?: number } = {},
): Promise<CollectedSteps> {
  const files: string[] = [];
  const out: CollectedSteps = { items: [], users: [], labels: [], events: [], duplicatesInBatches: 0, rejected: [], rowsRead: 0, bytesRead: 0, order: [] };
  const ctx: ImportContext = {
    source: opts.source ?? "test",
    nowMs: opts.nowMs ?? Date.now(),
    batchSize: opts.batchSize ?? 25_000,
    file: (f) => files.push(path.basename(f)) - 1,
    reject: (file, line, reason) => out.rejected.push({ file: files[file]!, line, reason }),
    rowsRead: (n) => (out.rowsRead += n),
    bytesRead: (n) => (out.bytesRead += n),
  };
  for await (const step of steps(ctx)) {
    if (out.order[out.order.length - 1] !== step.type) out.order.push(step.type);
    if (step.type === "items") out.items.push(...step.records);
    else if (step.type === "users") out.users.push(...step.records);
    else if (step.type === "itemLabels") out.labels.push(...step.records);
    else {
      out.duplicatesInBatches += step.batch.duplicatesInBatch;
      for (const line of step.batch.lines) out.events.push(parseCopyLine(line, files));
    }
  }
  return out;
}

function unescape(v: string): string | null {
  if (v === "\\N") return null;
  return v.replace(/\\(.)/g, (_, c: string) => ({ t: "\t", n: "\n", r: "\r", "\\": "\\" })[c] ?? c);
}

function parseCopyLine(line: string, files: string[]): BehaviorEvent & { file: string; line: number } {
  const [file, lineNo, user, item, tsMs, kind, value, text, source, sid] = line.replace(/\n$/, "").split("\t") as string[];
  return {
    file: files[Number(file)]!,
    line: Number(lineNo),
    user: unescape(user!)!,
    item: unescape(item!)!,
    tsMs: Number(tsMs),
    kind: kind!,
    value: value === "\\N" ? null : Number(value),
    text: unescape(text!),
    source: unescape(source!)!,
    sourceEventId: unescape(sid!)!,
  };
}
