import { z } from "zod";
import { safeText } from "../api/nul";
import { pool } from "../db/client";
import type { PayloadEntry } from "./body";
import { BehaviorLoader } from "./loader";
import { canonicalEventId, EventBatch, type BehaviorEvent } from "./records";
import { notifyIngestCommitted } from "./events";
import { withTransactionRetry } from "./retry";
import { recordFinishedRun } from "./runs";
import { checkTimestampMs, KIND_PATTERN, LIMITS, parseIsoTimestamp, SOURCE_PATTERN } from "./validate";

/**
 * One event as sent to POST /api/behaviors. Unknown keys are refused, so that a typo
 * ("valeu") is an error rather than a silently dropped field.
 */
export const behaviorEventSchema = z
  .object({
    user: z.string().trim().min(1, "user is empty").max(LIMITS.externalId),
    item: z.string().trim().min(1, "item is empty").max(LIMITS.externalId),
    ts: z.union([z.string(), z.number().finite()], {
      error: "ts must be an ISO 8601 string or epoch milliseconds",
    }),
    kind: z.string().regex(KIND_PATTERN, "kind must be 1-32 characters a-z or _"),
    value: z.number().finite().nullable().optional(),
    text: z.string().max(LIMITS.text).nullable().optional(),
    source: z.string().regex(SOURCE_PATTERN, "source must be 1-64 characters A-Z a-z 0-9 _ . : -").default("api"),
    sourceEventId: z.string().min(1).max(LIMITS.sourceEventId).optional(),
  })
  .strict();

export type BehaviorEventInput = z.input<typeof behaviorEventSchema>;

export interface EventError {
  index: number;
  message: string;
}

/** Validates one event and turns it into a loader event (ts in epoch ms, default source event id). */
export function toBehaviorEvent(
  value: unknown,
  nowMs: number,
): { ok: true; event: BehaviorEvent } | { ok: false; message: string } {
  const parsed = behaviorEventSchema.safeParse(value);
  if (!parsed.success) {
    return {
      ok: false,
      message: parsed.error.issues
        .map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message))
        .join("; "),
    };
  }
  const e = parsed.data;
  let tsMs: number;
  if (typeof e.ts === "number") {
    tsMs = Math.round(e.ts);
  } else {
    const iso = parseIsoTimestamp(e.ts);
    if (!iso.ok) return { ok: false, message: `ts: ${iso.reason}` };
    tsMs = iso.ms;
  }
  const badTs = checkTimestampMs(tsMs, nowMs);
  if (badTs) return { ok: false, message: `ts: ${badTs}` };
  const event = { user: e.user, item: e.item, tsMs, kind: e.kind, value: e.value ?? null, text: e.text ?? null };
  return { ok: true, event: { ...event, source: e.source, sourceEventId: e.sourceEventId ?? canonicalEventId(event) } };
}

export type IngestMode = "atomic" | "partial";

export interface IngestResult {
  /** Newly stored events. */
  accepted: number;
  /** Events already in the log (same source and source event id), including repeats in the request. */
  duplicate: number;
  rejected: number;
  /** Per-event errors, by index in the request (the first 1,000). */
  errors: EventError[];
}

export interface IngestOutcome {
  /** False when nothing was written because of invalid events (all-or-nothing mode): answer 422. */
  committed: boolean;
  result: IngestResult;
}

const MAX_ERRORS = 1000;

/**
 * Ingests API events. "atomic" (default): any invalid event, unknown item, or unknown user
 * (unless createUsers) and nothing is written. "partial": the valid events are stored and the
 * rest reported. Either way the write is committed before this returns, and one import_runs
 * row records the request.
 */
export async function ingestApiEvents(
  entries: readonly PayloadEntry[],
  opts: { mode: IngestMode; createUsers: boolean; caller?: string },
): Promise<IngestOutcome> {
  const startedAt = new Date();
  const started = performance.now();
  const nowMs = Date.now();
  const errors: EventError[] = [];
  const batch = new EventBatch();
  for (const entry of entries) {
    if ("error" in entry) {
      errors.push({ index: entry.index, message: entry.error });
      continue;
    }
    const checked = toBehaviorEvent(entry.value, nowMs);
    if (checked.ok) batch.add(checked.event, { file: 0, line: entry.index });
    else errors.push({ index: entry.index, message: checked.message });
  }

  let inserted = 0;
  let duplicates = batch.duplicatesInBatch;
  let usersCreated = 0;
  const atomic = opts.mode === "atomic";
  // Invalid events in all-or-nothing mode: still check the valid ones against the database
  // (unknown items and users), so that the answer lists every problem at once.
  const writable = !(atomic && errors.length > 0);
  if (batch.size > 0) {
    const written = await withTransactionRetry(async () => {
      const loader = await BehaviorLoader.open(pool(), {
        unknownItems: "reject",
        unknownUsers: opts.createUsers ? "create" : "reject",
        insertInKeyOrder: true,
      });
      try {
        const outcome = await loader.loadEvents(batch, { write: writable, allOrNothing: atomic });
        if (!writable || (atomic && outcome.rejected.length > 0)) {
          await loader.rollback();
          return { outcome, committed: false, sealed: 0 };
        }
        const { partitions } = await loader.commit();
        return { outcome, committed: true, sealed: partitions.sealed };
      } catch (err) {
        await loader.rollback();
        throw err;
      }
    });
    for (const r of written.outcome.rejected) errors.push({ index: r.line, message: r.reason });
    if (written.committed) {
      // The pipeline's follow-up (summaries, vectors of what was sealed) is queued by whoever listens (lib/jobs/follow-up.ts).
      notifyIngestCommitted({ sealed: written.sealed, caller: opts.caller ?? null });
      inserted = written.outcome.inserted;
      duplicates = written.outcome.duplicates;
      usersCreated = written.outcome.usersCreated;
    }
  }
  const committed = !(atomic && errors.length > 0);
  if (!committed) duplicates = 0;

  errors.sort((a, b) => a.index - b.index);
  // Messages quote the input (zod's "Unrecognized key" quotes the key): made storable here, once,
  // so that the answer and the import_runs row carry the same text.
  for (const e of errors) e.message = safeText(e.message);
  const result: IngestResult = {
    accepted: inserted,
    duplicate: duplicates,
    rejected: errors.length,
    errors: errors.slice(0, MAX_ERRORS),
  };
  if (entries.length > 0) {
    await recordFinishedRun(
      "api",
      "POST /api/behaviors",
      { mode: opts.mode, createUsers: opts.createUsers, caller: opts.caller },
      {
        status: committed ? "succeeded" : "failed",
        rowsRead: entries.length,
        inserted,
        duplicates,
        rejected: errors.length,
        usersCreated,
        itemsCreated: 0,
        errors: errors.slice(0, 100).map((e) => ({ file: "request", line: e.index, reason: e.message })),
        errorMessage: committed ? undefined : `${errors.length} invalid event(s); nothing was written`,
        durationMs: performance.now() - started,
        startedAt,
      },
    );
  }
  return { committed, result };
}
