import path from "node:path";
import type { BehaviorEvent, ItemLabels, ItemRecord, UserRecord } from "../ingest/records";
import type { ImportContext, ImportStep } from "../ingest/session";

/** Test support: runs an importer's steps without a database and collects what it produced. */
export const FIXTURES = path.resolve(import.meta.dirname, "fixtures");

export interface CollectedSteps {
  items: ItemRecord[];
  users: UserRecord[];
  labels: ItemLabels[];
  /** The events of the batches, with their origin. */
  events: (BehaviorEvent & { file: string; line: number })[];
  duplicatesInBatches: number;
  rejected: { file: string; line: number; reason: string }[];
  rowsRead: number;
  bytesRead: number;
  order: ImportStep["type"][];
  report: Record<string, unknown>;
}

export async function collectSteps(
  steps: (ctx: ImportContext) => AsyncIterable<ImportStep>,
  opts: { source?: string; batchSize?: number; nowMs?: number } = {},
): Promise<CollectedSteps> {
  const files: string[] = [];
  const out: CollectedSteps = {
    items: [],
    users: [],
    labels: [],
    events: [],
    duplicatesInBatches: 0,
    rejected: [],
    rowsRead: 0,
    bytesRead: 0,
    order: [],
    report: {},
  };
  const ctx: ImportContext = {
    source: opts.source ?? "test",
    nowMs: opts.nowMs ?? Date.now(),
    batchSize: opts.batchSize ?? 25_000,
    file: (f) => files.push(path.basename(f)) - 1,
    reject: (file, line, reason) => out.rejected.push({ file: files[file]!, line, reason }),
    rowsRead: (n) => (out.rowsRead += n),
    bytesRead: (n) => (out.bytesRead += n),
    report: (key, value) => void (out.report[key] = value),
  };
  for await (const step of steps(ctx)) {
    if (out.order[out.order.length - 1] !== step.type) out.order.push(step.type);
    if (step.type === "items") out.items.push(...step.records);
    else if (step.type === "users") out.users.push(...step.records);
    else if (step.type === "itemLabels") out.labels.push(...step.records);
    else {
      out.duplicatesInBatches += step.batch.duplicatesInBatch;
      const b = step.batch;
      for (let i = 0; i < b.size; i++) {
        out.events.push({
          file: files[b.file(i)]!,
          line: b.line(i),
          user: b.user(i),
          item: b.item(i),
          tsMs: b.tsMs(i),
          kind: b.kind(i),
          value: b.value(i),
          text: b.text(i),
          source: b.source(i),
          sourceEventId: b.sourceEventId(i),
        });
      }
    }
  }
  return out;
}
