import { onSummariesWritten } from "../summaries/hooks";
import { encodeAfterSummaries } from "./encoding";

/**
 * Encoding follows summarisation: after every summarise run (ingest, cascade, demo), the new
 * summaries are encoded under the default builtin version. Called once by each entry point
 * that summarises (the server at start, the CLI), so lib/summaries never imports lib/uif.
 */
export function enableEncodingAfterSummaries(): void {
  onSummariesWritten("uif-encode", async (event) => {
    await encodeAfterSummaries(event);
  });
}
