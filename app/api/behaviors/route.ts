import { z } from "zod";
import { unprocessable } from "@/lib/api/errors";
import { route } from "@/lib/auth/route";
import { ingestApiEvents } from "@/lib/ingest/api";
import { parseEventPayload, readBodyCapped } from "@/lib/ingest/body";

export const dynamic = "force-dynamic";

const query = z.object({
  /** atomic (default): one bad event and nothing is written. partial: store the valid ones. */
  mode: z.enum(["atomic", "partial"]).default("atomic"),
  /** Create users that do not exist yet (otherwise their events are rejected). */
  createUsers: z.enum(["true", "false"]).default("false"),
});

/**
 * POST /api/behaviors?mode=atomic|partial&createUsers=true|false
 * Body: a JSON array of events, or NDJSON (Content-Type: application/x-ndjson); at most 10 MB
 * and 50,000 events. Answers { accepted, duplicate, rejected, errors: [{ index, message }] },
 * 422 when nothing was written because of invalid events. Accepted events are committed.
 */
export const POST = route({ access: "editor", body: "raw", query }, async ({ req, query, caller }) => {
  const bytes = await readBodyCapped(req.body, req.headers.get("content-length"));
  const entries = parseEventPayload(bytes, req.headers.get("content-type"));
  const { committed, result } = await ingestApiEvents(entries, {
    mode: query.mode,
    createUsers: query.createUsers === "true",
    caller: caller.name,
  });
  if (!committed) {
    throw unprocessable(
      `${result.rejected} invalid event(s): nothing was written. Fix them, or send ?mode=partial to store the valid ones.`,
      undefined,
      { ...result },
    );
  }
  return result;
});
