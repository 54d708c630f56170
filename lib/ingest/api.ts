import { z } from "zod";
import { safeText } from "../api/nul";
import { pool } from "../db/client";
import type { PayloadEntry } from "./body";
import { BehaviorLoader } from "./loader";
import { canonicalEventId, EventBatch, type BehaviorEvent } from "./records";
import { notifyIngestCommitted } from "./events";
import { withTransactionRetry } from "./retry";
import { finishedRunStatement, recordFinishedRun } from "./runs";
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
  const plain = plainEventFields(value);
  if (plain) return finishEvent(plain, nowMs);
  const parsed = behaviorEventSchema.safeParse(value);
  if (!parsed.success) {
    return {
      ok: false,
      message: parsed.error.issues
        .map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message))
        .join("; "),
    };
  }
  return finishEvent(parsed.data, nowMs);
}

type EventFields = z.output<typeof behaviorEventSchema>;

function finishEvent(
  e: EventFields,
  nowMs: number,
): { ok: true; event: BehaviorEvent } | { ok: false; message: string } {
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
  const value = e.value ?? null;
  const text = e.text ?? null;
  const sourceEventId =
    e.sourceEventId ?? canonicalEventId({ user: e.user, item: e.item, tsMs, kind: e.kind, value, text });
  return {
    ok: true,
    event: { user: e.user, item: e.item, tsMs, kind: e.kind, value, text, source: e.source, sourceEventId },
  };
}

const EVENT_KEYS = new Set(Object.keys(behaviorEventSchema.shape));

/**
 * What behaviorEventSchema gives for an event that is plainly valid, checked by hand; null for
 * anything else, which then goes through the schema (the definition, and its error messages).
 * About five times cheaper per event than the schema: a 1,000-event request spent more time
 * and garbage in it than in its database writes. lib/ingest/api.test.ts checks that whatever
 * this accepts, the schema accepts with the same result.
 */
export function plainEventFields(value: unknown): EventFields | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const o = value as Record<string, unknown>;
  for (const key in o) if (!EVENT_KEYS.has(key) || !Object.hasOwn(o, key)) return null;
  if (typeof o.user !== "string" || typeof o.item !== "string" || typeof o.kind !== "string") return null;
  const user = o.user.trim();
  const item = o.item.trim();
  if (user.length < 1 || user.length > LIMITS.externalId || item.length < 1 || item.length > LIMITS.externalId)
    return null;
  const ts = o.ts;
  if (!(typeof ts === "string" || (typeof ts === "number" && Number.isFinite(ts)))) return null;
  if (!KIND_PATTERN.test(o.kind)) return null;
  const v = o.value;
  if (!(v === undefined || v === null || (typeof v === "number" && Number.isFinite(v)))) return null;
  const text = o.text;
  if (!(text === undefined || text === null || (typeof text === "string" && text.length <= LIMITS.text))) return null;
  const source = o.source === undefined ? "api" : o.source;
  if (typeof source !== "string" || !SOURCE_PATTERN.test(source)) return null;
  const sid = o.sourceEventId;
  if (!(sid === undefined || (typeof sid === "string" && sid.length >= 1 && sid.length <= LIMITS.sourceEventId)))
    return null;
  const fields: EventFields = { user, item, ts, kind: o.kind, source };
  if (v !== undefined) fields.value = v;
  if (text !== undefined) fields.text = text;
  if (sid !== undefined) fields.sourceEventId = sid;
  return fields;
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
 * The errors in request order, their messages made storable: they quote the input (zod's
 * "Unrecognized key" quotes the key), so that the answer and the import_runs row carry the same text.
 */
function storable(errors: readonly EventError[]): EventError[] {
  return errors.map((e) => ({ index: e.index, message: safeText(e.message) })).sort((a, b) => a.index - b.index);
}

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
  const policy = {
    unknownItems: "reject",
    unknownUsers: opts.createUsers ? "create" : "reject",
    insertInKeyOrder: true,
    optimisticDuplicates: true,
  } as const;
  // The transaction is opened (a connection and one round trip) while the events are checked.
  let opening: Promise<BehaviorLoader> | null = entries.length > 0 ? BehaviorLoader.open(pool(), policy) : null;
  opening?.catch(() => {}); // awaited below; a failure surfaces there
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

  const atomic = opts.mode === "atomic";
  const runOptions = { mode: opts.mode, createUsers: opts.createUsers, caller: opts.caller };
  const run = (
    committed: boolean,
    all: EventError[],
    counts: Pick<IngestResult, "accepted" | "duplicate">,
    usersCreated: number,
  ) => ({
    status: committed ? ("succeeded" as const) : ("failed" as const),
    rowsRead: entries.length,
    inserted: counts.accepted,
    duplicates: counts.duplicate,
    rejected: all.length,
    usersCreated,
    itemsCreated: 0,
    errors: all.slice(0, 100).map((e) => ({ file: "request", line: e.index, reason: e.message })),
    errorMessage: committed ? undefined : `${all.length} invalid event(s); nothing was written`,
    durationMs: performance.now() - started,
    startedAt,
  });

  let counts = { accepted: 0, duplicate: batch.duplicatesInBatch };
  let all = errors;
  let recorded = false;
  // Invalid events in all-or-nothing mode: still check the valid ones against the database
  // (unknown items and users), so that the answer lists every problem at once.
  const writable = !(atomic && errors.length > 0);
  if (batch.size > 0) {
    const written = await withTransactionRetry(async () => {
      // The first attempt takes the transaction opened above; a retry opens a new one.
      const loader = await (opening ?? BehaviorLoader.open(pool(), policy));
      opening = null;
      try {
        const outcome = await loader.loadEvents(batch, { write: writable, allOrNothing: atomic });
        const everyError = [...errors, ...outcome.rejected.map((r) => ({ index: r.line, message: r.reason }))];
        if (!writable || (atomic && outcome.rejected.length > 0)) {
          await loader.rollback();
          return { outcome, everyError, committed: false, sealed: 0 };
        }
        // The run is recorded by the transaction that writes its events, in the COMMIT's round trip.
        const done = storable(everyError);
        const record = finishedRunStatement(
          "api",
          "POST /api/behaviors",
          runOptions,
          run(true, done, { accepted: outcome.inserted, duplicate: outcome.duplicates }, outcome.usersCreated),
        );
        const { partitions } = await loader.commit({ alongside: [record] });
        return { outcome, everyError: done, committed: true, sealed: partitions.sealed };
      } catch (err) {
        await loader.rollback();
        throw err;
      }
    });
    all = written.everyError;
    if (written.committed) {
      // The pipeline's follow-up (summaries, vectors of what was sealed) is queued by whoever listens (lib/jobs/follow-up.ts).
      notifyIngestCommitted({ sealed: written.sealed, caller: opts.caller ?? null });
      counts = { accepted: written.outcome.inserted, duplicate: written.outcome.duplicates };
      recorded = true;
    }
  } else if (opening) {
    await (await opening).rollback(); // nothing valid to write
  }
  const committed = !(atomic && all.length > 0);
  if (!committed) counts = { accepted: 0, duplicate: 0 };
  all = recorded ? all : storable(all);

  const result: IngestResult = {
    accepted: counts.accepted,
    duplicate: counts.duplicate,
    rejected: all.length,
    errors: all.slice(0, MAX_ERRORS),
  };
  if (entries.length > 0 && !recorded) {
    await recordFinishedRun("api", "POST /api/behaviors", runOptions, run(committed, all, counts, 0));
  }
  return { committed, result };
}
