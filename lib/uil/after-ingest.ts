import { pool } from "../db/client";
import type { CascadeProgress } from "./cascade";
import { requirePrompt } from "./prompts";
import { requireConfigId, summariseUsers, type Overrides, type SummariseRunResult } from "./service";
import { currentProvider } from "./settings";

/**
 * UIL after ingestion. Ingestion advances the active config's partitions in its own
 * transaction (lib/partitions/advance.ts); once that commits, the partitions it sealed are
 * summarised, and nothing else: every user with a sealed partition that has no successful
 * summary under the production prompt gets their cascade run, which only summarises
 * partitions whose input hash has no summary. Replaying the same events seals nothing, so it
 * makes no call.
 *
 * - POST /api/behaviors calls `scheduleSummariesAfterIngest()` after the ingest transaction
 *   commits: in the server (`enableBackgroundSummaries()` at start) the work runs in the
 *   background (the ingest response never waits on an LLM), coalesced so that a burst of
 *   requests causes one run at a time, each recorded as a run of kind "ingest".
 * - The CLI (import, demo seeding) awaits `summariseAfterIngest()` with a progress callback.
 */

/** Who summarises at the moment; only one ingest-triggered run at a time per database. */
const ADVISORY_LOCK_KEY = 0x75696c01; // "uil" + 1

export interface IngestNotice {
  /** Partitions the ingest sealed; 0 skips all work (not even a query). Unknown: undefined. */
  sealed?: number;
}

/**
 * Users with a sealed partition (under the config) that has no successful summary for its
 * content under the prompt version. Their cascades are what the ingest left to do.
 */
export async function usersWithPendingPartitions(configId: number, promptVersionId: number): Promise<number[]> {
  const { rows } = await pool().query<{ user_id: number }>(
    `SELECT DISTINCT p.user_id FROM partitions p
     WHERE p.config_id = $1 AND NOT EXISTS (
       SELECT 1 FROM partition_summaries s
       WHERE s.user_id = p.user_id AND s.config_id = p.config_id AND s.prompt_version_id = $2
         AND s.seq = p.seq AND s.partition_content_hash = p.content_hash AND s.status = 'ok')
     ORDER BY p.user_id`,
    [configId, promptVersionId],
  );
  return rows.map((r) => r.user_id);
}

/**
 * Summarises what ingestion left pending under the active config and the production prompt,
 * as one run of kind "ingest" (none when nothing is pending). Serialised across processes.
 */
export async function summariseAfterIngest(
  notice: IngestNotice = {},
  opts: { onProgress?: (p: CascadeProgress) => void; createdBy?: string | null } = {},
  overrides: Overrides = {},
): Promise<SummariseRunResult | null> {
  if (notice.sealed === 0) return null;
  const lock = await pool().connect();
  try {
    await lock.query(`SELECT pg_advisory_lock($1)`, [ADVISORY_LOCK_KEY]);
    const [configId, prompt] = await Promise.all([requireConfigId("active").catch(() => null), requirePrompt("production")]);
    if (configId === null) return null;
    const userIds = await usersWithPendingPartitions(configId, prompt.id!);
    if (userIds.length === 0) return null;
    return await summariseUsers(
      { kind: "ingest", config: configId, prompt: prompt.id!, userIds, createdBy: opts.createdBy ?? null, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) },
      overrides,
    );
  } finally {
    await lock.query(`SELECT pg_advisory_unlock($1)`, [ADVISORY_LOCK_KEY]).catch(() => undefined);
    lock.release();
  }
}

// ---------------------------------------------------------------------------------------
// Background (server)

interface BackgroundState {
  /** Off until the server turns it on (tests and CLI commands summarise explicitly). */
  enabled: boolean;
  running: Promise<void> | null;
  /** Another ingest committed while a run was going: look again when it ends. */
  again: boolean;
  overrides: Overrides;
  lastError: unknown;
}

// On globalThis: route bundles and dev-mode module reloads must share one queue.
const globalRef = globalThis as unknown as { __liberUilBackground?: BackgroundState };
const background = (globalRef.__liberUilBackground ??= { enabled: false, running: null, again: false, overrides: {}, lastError: null });

/**
 * The server calls this once at start: from then on, committed ingests schedule their
 * summaries in this process. `overrides` (tests) replace the settings' provider.
 */
export function enableBackgroundSummaries(overrides: Overrides = {}): void {
  background.enabled = true;
  background.overrides = overrides;
}

export function disableBackgroundSummaries(): void {
  background.enabled = false;
  background.overrides = {};
}

/**
 * Call after the ingest transaction committed. Returns at once; the summaries are written in
 * the background. Failures are recorded in the run (and its traces) and logged, never thrown.
 */
export function scheduleSummariesAfterIngest(notice: IngestNotice = {}): void {
  if (!background.enabled || notice.sealed === 0) return;
  background.again = true;
  if (background.running) return;
  background.running = (async () => {
    while (background.again) {
      background.again = false;
      try {
        await summariseAfterIngest({}, {}, background.overrides);
      } catch (err) {
        background.lastError = err;
        console.error("[uil] summarising after ingest failed:", err instanceof Error ? err.message : err);
      }
    }
    background.running = null;
  })();
}

/** Tests and shutdown: resolves once no background summarising is going on. */
export async function backgroundSummariesIdle(): Promise<void> {
  while (background.running) await background.running;
}

// ---------------------------------------------------------------------------------------
// Demo data (first `liber start`)

/**
 * After the demo import: the built-in provider summarises every sealed partition (about a
 * millisecond each). With an LLM endpoint configured nothing is sent: summarising the whole
 * demo would spend the user's budget without being asked; `liber summarise` does it.
 */
export async function summariseDemoData(log: (line: string) => void): Promise<SummariseRunResult | null> {
  try {
    return await summariseDemo(log);
  } catch (err) {
    // The app starts anyway; summaries can be made later.
    log(`demo data: summarising failed (${err instanceof Error ? err.message : String(err)}); retry with \`liber summarise\``);
    return null;
  }
}

async function summariseDemo(log: (line: string) => void): Promise<SummariseRunResult | null> {
  const { settings } = await currentProvider();
  if (settings.provider !== "builtin") {
    log(`demo data: partitions not summarised (the ${settings.provider} provider would spend your LLM budget); run \`liber summarise\``);
    return null;
  }
  let nextQuarter = 1;
  const result = await summariseAfterIngest({}, {
    createdBy: "demo",
    onProgress: (p) => {
      while (nextQuarter < 4 && p.partitionsTotal > 0 && p.partitionsDone >= (p.partitionsTotal * nextQuarter) / 4) {
        log(`demo data: summaries ${nextQuarter * 25}%`);
        nextQuarter++;
      }
    },
  });
  if (result) {
    log(
      `demo data: ${result.calls.toLocaleString("en")} partitions of ${result.users.toLocaleString("en")} users summarised by the ` +
        `built-in provider in ${(result.durationMs / 1000).toFixed(1)} s${result.failed > 0 ? ` (${result.failed} failed)` : ""}`,
    );
  }
  return result;
}
