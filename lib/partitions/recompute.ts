import { pool } from "../db/client";
import { partitionConfigSchema } from "../liber/ubsp";
import { requireAllUsersFound } from "../users/profile";
import { replayUsers } from "./advance";
import { ensureActiveConfig, requireConfig } from "./configs";
import { ItemCategories, lockConfigExclusive } from "./store";
import type { RecomputeSummary } from "./contract";

export interface RecomputeProgress {
  usersDone: number;
  usersTotal: number;
  eventsDone: number;
  eventsTotal: number;
}

export interface RecomputeOptions {
  /** External user ids; omitted: every user with behaviours (and any with stale state). */
  users?: readonly string[];
  onProgress?: (p: RecomputeProgress) => void;
  /** Events per transaction (default 50,000). */
  eventsPerTransaction?: number;
}

/**
 * Recomputes a config version's partitions from the behaviour log: for each user, deletes the
 * version's partitions, memberships and state, replays the full log in (ts, id) order and writes
 * the result. Synchronous; users are done in transactions of about `eventsPerTransaction`
 * events, each holding the config's exclusive lock, so concurrent ingestion waits for the
 * current transaction and then advances from the recomputed state.
 */
export async function recomputePartitions(
  ref: string | number,
  opts: RecomputeOptions = {},
): Promise<RecomputeSummary & { configId: number }> {
  const started = performance.now();
  const view = await requireConfig(ref);
  const config = partitionConfigSchema.parse(view.config);
  const targets = opts.users ? await namedUsers(opts.users) : await allUsers(view.id);

  const progress: RecomputeProgress = {
    usersDone: 0,
    usersTotal: targets.length,
    eventsDone: 0,
    eventsTotal: targets.reduce((s, t) => s + t.events, 0),
  };
  opts.onProgress?.({ ...progress });

  const items = new ItemCategories();
  let partitions = 0;
  let events = 0;
  for (const group of groupByEvents(targets, opts.eventsPerTransaction ?? 50_000)) {
    const client = await pool().connect();
    try {
      await client.query("BEGIN");
      await lockConfigExclusive(client, view.id);
      const r = await replayUsers(
        client,
        view.id,
        config,
        group.map((t) => t.userId),
        items,
      );
      await client.query("COMMIT");
      partitions += r.partitions;
      events += r.events;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      client.release();
    }
    progress.usersDone += group.length;
    progress.eventsDone += group.reduce((s, t) => s + t.events, 0);
    opts.onProgress?.({ ...progress });
  }
  return {
    configId: view.id,
    users: targets.length,
    partitions,
    events,
    durationMs: Math.round(performance.now() - started),
  };
}

interface Target {
  userId: number;
  /** Events in the log (for grouping and progress; the replay reads the log itself). */
  events: number;
}

async function namedUsers(externalIds: readonly string[]): Promise<Target[]> {
  const wanted = [...new Set(externalIds)];
  const { rows } = await pool().query<{ id: number; external_id: string; n: number }>(
    `SELECT u.id, u.external_id, (SELECT count(*) FROM behaviors b WHERE b.user_id = u.id)::int AS n
       FROM users u WHERE u.external_id = ANY($1::text[]) ORDER BY u.id`,
    [wanted],
  );
  requireAllUsersFound(wanted, rows);
  return rows.map((r) => ({ userId: r.id, events: r.n }));
}

/** Every user with behaviours, plus users that have a state under the config but no behaviours left. */
async function allUsers(configId: number): Promise<Target[]> {
  const { rows } = await pool().query<{ user_id: number; n: number }>(
    `SELECT user_id, count(*)::int AS n FROM behaviors GROUP BY user_id
     UNION ALL
     SELECT s.user_id, 0 FROM partition_states s
      WHERE s.config_id = $1 AND NOT EXISTS (SELECT 1 FROM behaviors b WHERE b.user_id = s.user_id)
     ORDER BY 1`,
    [configId],
  );
  return rows.map((r) => ({ userId: r.user_id, events: r.n }));
}

function* groupByEvents(targets: readonly Target[], perGroup: number): Generator<Target[]> {
  let group: Target[] = [];
  let events = 0;
  for (const t of targets) {
    if (group.length > 0 && events + t.events > perGroup) {
      yield group;
      group = [];
      events = 0;
    }
    group.push(t);
    events += t.events;
  }
  if (group.length > 0) yield group;
}

/**
 * For `liber start`: when the log has behaviours but the active version has never been
 * computed (a database from before partitions existed, or a new active version), computes it,
 * so that the dashboard opens with partitions. Returns null when there was nothing to do.
 */
export async function ensureActivePartitions(
  log?: (line: string) => void,
): Promise<(RecomputeSummary & { configId: number }) | null> {
  const { rows } = await pool().query<{ pending: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM behaviors) AND NOT EXISTS (
       SELECT 1 FROM partition_states s JOIN partition_config_labels l ON l.config_id = s.config_id WHERE l.label = 'active'
     ) AS pending`,
  );
  if (!rows[0]!.pending) return null;
  const active = await ensureActiveConfig(pool());
  log?.(`partitions: computing the active config (id ${active.id}) for the existing behaviour log`);
  const summary = await recomputePartitions(active.id);
  log?.(
    `partitions: ${summary.partitions.toLocaleString("en")} partitions for ${summary.users.toLocaleString("en")} users ` +
      `in ${(summary.durationMs / 1000).toFixed(1)} s`,
  );
  return summary;
}
