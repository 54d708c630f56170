import { badRequest, payloadTooLarge } from "../api/errors";
import { readBodyCapped } from "../api/body";

export { readBodyCapped };
import { findNul, NUL_MESSAGE } from "../api/nul";
import { assertJsonDepth } from "../api/json-depth";

/** Limits of one POST /api/behaviors request. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
export const MAX_EVENTS_PER_REQUEST = 50_000;

const NDJSON_TYPES = new Set([
  "application/x-ndjson",
  "application/ndjson",
  "application/jsonl",
  "application/x-jsonlines",
]);

/** One element of the payload: the parsed JSON value, or why its NDJSON line could not be parsed. */
export type PayloadEntry = { index: number; value: unknown } | { index: number; error: string };

/**
 * A JSON array of events, or NDJSON (one event per line) when the Content-Type says so.
 * Malformed JSON as a whole is a 400; in NDJSON a malformed line is that event's error.
 */
export function parseEventPayload(
  bytes: Uint8Array,
  contentType: string | null,
  maxEvents = MAX_EVENTS_PER_REQUEST,
): PayloadEntry[] {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw badRequest("The request body is not valid UTF-8.");
  }
  const tooMany = (n: number) =>
    payloadTooLarge(`The request holds ${n} events; at most ${maxEvents} are accepted per request.`);
  const mediaType = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  assertJsonDepth(bytes, NDJSON_TYPES.has(mediaType)); // 400 before anything recursive runs

  if (NDJSON_TYPES.has(mediaType)) {
    const entries: PayloadEntry[] = [];
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      const index = entries.length;
      if (index >= maxEvents) throw tooMany(text.split("\n").filter((l) => l.trim() !== "").length);
      try {
        entries.push(storable(index, JSON.parse(line)));
      } catch (err) {
        entries.push({ index, error: `line ${index + 1} is not valid JSON: ${(err as Error).message}` });
      }
    }
    return entries;
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw badRequest(
      `The request body is not valid JSON (${(err as Error).message}). Send a JSON array of events, ` +
        `or NDJSON with Content-Type: application/x-ndjson.`,
    );
  }
  if (!Array.isArray(parsed)) {
    throw badRequest("Expected a JSON array of events (or NDJSON with Content-Type: application/x-ndjson).");
  }
  if (parsed.length > maxEvents) throw tooMany(parsed.length);
  // A JSON string can only hold U+0000 written as an escape: without one in the text, no event
  // has it, and the per-event walk (most of this function's garbage) is not needed.
  if (!text.includes("\\u0000")) return parsed.map((value, index) => ({ index, value }));
  return parsed.map((value, index) => storable(index, value));
}

/** An event with U+0000 in a string is that event's error (PostgreSQL cannot store it). */
function storable(index: number, value: unknown): PayloadEntry {
  const nulAt = findNul(value);
  return nulAt === null ? { index, value } : { index, error: `${nulAt || "value"}: ${NUL_MESSAGE}` };
}
