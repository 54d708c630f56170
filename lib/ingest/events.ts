/**
 * What ingestion tells the layers above it once a write has committed: how many partitions it
 * sealed. Ingestion only writes the log and advances UBSP; the follow-up work (summaries,
 * vectors) belongs to the pipeline, which subscribes here at start (lib/jobs/follow-up.ts).
 * This keeps the dependency one-way: lib/ingest knows nothing of UIL or jobs.
 */

export interface IngestCommitted {
  /** Partitions the write sealed under the active config (0: nothing to follow up). */
  sealed: number;
  /** Who ingested (an account or token name), for the follow-up run's record. */
  caller?: string | null;
}

export type IngestListener = (event: IngestCommitted) => void | Promise<void>;

// On globalThis: route bundles and the CLI's modules must share one list.
const globalRef = globalThis as unknown as { __liberIngestListeners?: Set<IngestListener> };
const listeners = (globalRef.__liberIngestListeners ??= new Set());

/** Subscribes; returns the unsubscribe function. */
export function onIngestCommitted(listener: IngestListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Called after commit; listeners run in the background and their failures are logged, never thrown. */
export function notifyIngestCommitted(event: IngestCommitted): void {
  for (const listener of listeners) {
    void Promise.resolve()
      .then(() => listener(event))
      .catch((err) => console.error("[ingest] follow-up failed:", err instanceof Error ? err.message : err));
  }
}
