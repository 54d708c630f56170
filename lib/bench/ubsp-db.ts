import fs from "node:fs";
import { pool } from "../db/client";
import { importMovieLens } from "../datasets/movielens";
import type { PartitionConfig } from "../liber/ubsp";
import { advanceActivePartitions, withoutIngestHook } from "../partitions/advance";
import { ensureActiveConfig } from "../partitions/configs";
import { recomputePartitions } from "../partitions/recompute";

/**
 * The database side of `liber bench ubsp` (the pure partitioner is lib/bench/ubsp-pure.ts).
 * Runs against whatever DATABASE_URL points at: the CLI gives it a fresh temporary database.
 * 1. Appending one event through the real path (insert, advanceActivePartitions, commit) for
 *    users with 100, 1,000 and 10,000 events: the time must not grow with the history.
 * 2. What the ingest hook adds to a MovieLens import: the importer with and without it,
 *    interleaved on the same database.
 * 3. A full recompute of the active config over the imported data.
 */

export interface AppendLatency {
  history: number;
  appends: number;
  /** advanceActivePartitions alone. */
  advanceMedianMs: number;
  advanceP90Ms: number;
  /** BEGIN, insert, counter bump, advance, COMMIT. */
  transactionMedianMs: number;
  /** Partitions sealed during the appends (the count rule fires every K events). */
  sealed: number;
}

export interface IngestCost {
  dataset: string;
  events: number;
  /** Median over the runs. */
  withHook: { eventsPerSec: number; durationMs: number; runsEventsPerSec: number[] };
  withoutHook: { eventsPerSec: number; durationMs: number; runsEventsPerSec: number[] };
  /** How much longer the import takes with the hook, in % of the time without it. */
  overheadPct: number;
}

export interface UbspDbBenchResult {
  config: PartitionConfig;
  append: AppendLatency[];
  ingestCost: IngestCost | null;
  recompute: { users: number; events: number; partitions: number; durationMs: number } | null;
  postgres: string;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))] ?? 0;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

export async function runUbspDbBench(opts: {
  /** A MovieLens folder for the ingest and recompute measures; null skips them. */
  dataset: string | null;
  repeat: number;
  histories: number[];
  appends: number;
  log: (line: string) => void;
}): Promise<UbspDbBenchResult> {
  const { log } = opts;
  let ingestCost: IngestCost | null = null;
  let recompute: UbspDbBenchResult["recompute"] = null;

  if (opts.dataset && fs.existsSync(opts.dataset)) {
    const runs: Record<"with" | "without", { events: number; ms: number }[]> = { with: [], without: [] };
    const truncate = () =>
      pool().query(
        `TRUNCATE behaviors, users, items, import_runs, partitions, partition_states RESTART IDENTITY CASCADE`,
      );
    // One untimed import first: the process's cold first import (module and JIT warm-up, a cold
    // table) would otherwise count against whichever mode runs first.
    await truncate();
    const warm = await importMovieLens(opts.dataset);
    log(`warm-up import (not timed): ${warm.inserted} events in ${warm.durationMs} ms`);
    for (let r = 0; r < opts.repeat; r++) {
      // Alternate which goes first, so that drift on a shared machine hits both alike.
      for (const mode of r % 2 === 0 ? (["with", "without"] as const) : (["without", "with"] as const)) {
        await truncate();
        const run = () => importMovieLens(opts.dataset!);
        const summary = mode === "with" ? await run() : await withoutIngestHook(run);
        if (summary.status !== "succeeded") throw new Error(`the import failed: ${summary.errorMessage}`);
        runs[mode].push({ events: summary.inserted, ms: summary.durationMs });
        log(
          `import ${mode} the ingest hook (${r + 1}/${opts.repeat}): ${summary.inserted} events in ${summary.durationMs} ms`,
        );
      }
    }
    const figure = (list: { events: number; ms: number }[]) => ({
      eventsPerSec: Math.round(median(list.map((x) => x.events / (x.ms / 1000)))),
      durationMs: median(list.map((x) => x.ms)),
      runsEventsPerSec: list.map((x) => Math.round(x.events / (x.ms / 1000))),
    });
    const withHook = figure(runs.with);
    const withoutHook = figure(runs.without);
    ingestCost = {
      dataset: opts.dataset,
      events: runs.with[0]?.events ?? 0,
      withHook,
      withoutHook,
      overheadPct: Math.round((withHook.durationMs / withoutHook.durationMs - 1) * 1000) / 10,
    };

    const active = await ensureActiveConfig(pool());
    const summary = await recomputePartitions(active.id);
    recompute = {
      users: summary.users,
      events: summary.events,
      partitions: summary.partitions,
      durationMs: summary.durationMs,
    };
    log(
      `recompute: ${summary.partitions} partitions for ${summary.users} users (${summary.events} events) in ${summary.durationMs} ms`,
    );
  }

  const active = await ensureActiveConfig(pool());
  const users = new Map<number, number>(); // history -> user id
  for (const history of opts.histories) users.set(history, await syntheticUser(`bench-history-${history}`, history));
  await recomputePartitions(active.id, { users: opts.histories.map((h) => `bench-history-${h}`) });

  const samples = new Map<number, { advance: number[]; tx: number[]; sealed: number }>();
  for (const h of opts.histories) samples.set(h, { advance: [], tx: [], sealed: 0 });
  for (let i = 0; i < opts.appends + 5; i++) {
    for (const history of opts.histories) {
      const r = await appendOne(users.get(history)!, i);
      if (i < 5) continue; // warm-up
      const s = samples.get(history)!;
      s.advance.push(r.advanceMs);
      s.tx.push(r.txMs);
      s.sealed += r.sealed;
    }
  }
  const append = opts.histories.map((history) => {
    const s = samples.get(history)!;
    return {
      history,
      appends: s.advance.length,
      advanceMedianMs: round3(median(s.advance)),
      advanceP90Ms: round3(quantile(s.advance, 0.9)),
      transactionMedianMs: round3(median(s.tx)),
      sealed: s.sealed,
    };
  });
  for (const a of append)
    log(
      `append to a ${a.history}-event history: advance ${a.advanceMedianMs} ms (median), transaction ${a.transactionMedianMs} ms`,
    );

  const { rows } = await pool().query<{ v: string }>("SELECT current_setting('server_version') AS v");
  return { config: active.config, append, ingestCost, recompute, postgres: rows[0]!.v };
}

const GENRES = ["Action", "Comedy", "Drama", "Romance", "Thriller", "Sci-Fi", "Horror", "Documentary"];

/** A user with `history` hourly events over 24 items (2 genres each), counters maintained. */
async function syntheticUser(name: string, history: number): Promise<number> {
  await pool().query(
    `INSERT INTO items (external_id, title, categories)
     SELECT 'bench-item-' || g, 'Bench item ' || g,
            ARRAY[($1::text[])[1 + g % 8], ($1::text[])[1 + (g * 3 + 1) % 8]]
       FROM generate_series(0, 23) g
     ON CONFLICT (external_id) DO NOTHING`,
    [GENRES],
  );
  const { rows } = await pool().query<{ id: number }>(
    `WITH u AS (INSERT INTO users (external_id, event_count) VALUES ($1, $2) RETURNING id),
     b AS (
       INSERT INTO behaviors (user_id, item_id, ts, kind, value, source, source_event_id)
       SELECT u.id, i.id, timestamptz '2015-01-01' + g * interval '1 hour', 'rate', 1 + g % 5, 'bench', $1 || ':' || g
         FROM u, generate_series(1, $2) g JOIN items i ON i.external_id = 'bench-item-' || (g % 24))
     SELECT id FROM u`,
    [name, history],
  );
  await pool().query(
    `UPDATE users SET first_event_at = timestamptz '2015-01-01' + interval '1 hour',
                      last_event_at = timestamptz '2015-01-01' + $2 * interval '1 hour' WHERE id = $1`,
    [rows[0]!.id, history],
  );
  return rows[0]!.id;
}

/** One new event for the user, through the real advance path, timed. */
async function appendOne(userId: number, n: number): Promise<{ advanceMs: number; txMs: number; sealed: number }> {
  const client = await pool().connect();
  try {
    const t0 = performance.now();
    await client.query("BEGIN");
    const { rows } = await client.query<{ id: number }>(
      `INSERT INTO behaviors (user_id, item_id, ts, kind, value, source, source_event_id)
       SELECT $1::int, i.id, timestamptz '2030-01-01' + $2::int * interval '1 minute', 'rate', 4, 'bench-append', $1::text || ':' || $2::text
         FROM items i WHERE i.external_id = 'bench-item-' || ($2::int % 24)
       RETURNING id::float8 AS id`,
      [userId, n],
    );
    await client.query(
      `UPDATE users SET event_count = event_count + 1, last_event_at = GREATEST(last_event_at, timestamptz '2030-01-01' + $2::int * interval '1 minute')
        WHERE id = $1`,
      [userId, n],
    );
    const t1 = performance.now();
    const summary = await advanceActivePartitions(client, [rows[0]!.id]);
    const t2 = performance.now();
    await client.query("COMMIT");
    const t3 = performance.now();
    if (summary.replayedUsers > 0) throw new Error("bench: the user was replayed instead of advanced");
    return { advanceMs: t2 - t1, txMs: t3 - t0, sealed: summary.sealed };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
