/**
 * Listeners told after a summarise run has written summaries (ingest, cascade, demo). Later
 * layers (lib/uif: encoding) register here, so that lib/summaries never imports them. A listener's
 * failure is logged and never fails the summarise run: its summaries are stored already.
 */

export interface SummariesWritten {
  configId: number;
  promptVersionId: number;
  /** null: the run covered every user with partitions. */
  userIds: readonly number[] | null;
}

export type SummariesListener = (event: SummariesWritten) => Promise<void>;

// On globalThis: route bundles and the CLI's modules must share one registry (like the background queue).
const globalRef = globalThis as unknown as { __liberUilListeners?: Map<string, SummariesListener> };
const listeners = (globalRef.__liberUilListeners ??= new Map());

/** Registers (or replaces) the listener of that name. */
export function onSummariesWritten(name: string, listener: SummariesListener): void {
  listeners.set(name, listener);
}

export function offSummariesWritten(name: string): void {
  listeners.delete(name);
}

export async function notifySummariesWritten(event: SummariesWritten): Promise<void> {
  for (const [name, listener] of listeners) {
    try {
      await listener(event);
    } catch (err) {
      console.error(`[uil] after-summaries listener "${name}" failed:`, err instanceof Error ? err.message : err);
    }
  }
}
