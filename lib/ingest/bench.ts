import os from "node:os";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import { pool } from "../db/client";
import { importMovieLens } from "../datasets/movielens";
import { copyNumber, copyText } from "./records";

/**
 * The ingestion benchmark (`liber bench ingest`). Runs against whatever DATABASE_URL points at;
 * the CLI gives it a fresh temporary embedded PostgreSQL. Three measures of the same rows:
 * 1. the MovieLens importer, end to end (files read, parsed, staged, merged, committed);
 * 2. POST /api/behaviors in batches of 1,000 events, the real route handler called in-process
 *    with NextRequest objects (auth, body parsing, validation, write, commit; no HTTP socket);
 * 3. a bare COPY of the same rows (ids already resolved) into a table with the same indexes as
 *    behaviors (no foreign keys, no dedup): the reference for what PostgreSQL itself can do.
 */
export type RouteHandler = (req: Request, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;

export interface IngestBenchResult {
  dataset: string;
  repeat: number;
  importer: { events: number; durationMs: number; eventsPerSec: number; runsEventsPerSec: number[] };
  api: { events: number; batchSize: number; requests: number; durationMs: number; eventsPerSec: number; method: string } | null;
  copyReference: { rows: number; durationMs: number; eventsPerSec: number; table: string };
  importerToCopyRatio: number;
  goal: { importerEventsPerSec: number; met: boolean };
  machine: { cpus: number; cpuModel: string; node: string; postgres: string };
}

export const IMPORTER_GOAL_EVENTS_PER_SEC = 100_000;

export async function runIngestBench(opts: {
  dataset: string;
  repeat: number;
  apiBatchSize: number;
  /** The POST /api/behaviors handler and an editor's bearer token; null skips the API measure. */
  api: { handler: RouteHandler; token: string } | null;
  log: (line: string) => void;
}): Promise<IngestBenchResult> {
  const { log } = opts;
  // 1. Importer: each repetition starts from empty tables (the first is a fresh database).
  const importerRuns: { events: number; durationMs: number }[] = [];
  for (let i = 0; i < opts.repeat; i++) {
    if (i > 0) await pool().query("TRUNCATE behaviors, users, items, import_runs RESTART IDENTITY CASCADE");
    const summary = await importMovieLens(opts.dataset);
    if (summary.status !== "succeeded") throw new Error(`the import failed: ${summary.errorMessage}`);
    importerRuns.push({ events: summary.inserted, durationMs: summary.durationMs });
    log(`importer run ${i + 1}/${opts.repeat}: ${summary.inserted} events in ${summary.durationMs} ms`);
  }
  const median = importerRuns.map((r) => r.events / (r.durationMs / 1000)).sort((a, b) => a - b)[Math.floor(importerRuns.length / 2)]!;
  const last = importerRuns[importerRuns.length - 1]!;

  // The rows as they now sit in the log, for the API and COPY measures.
  const { rows } = await pool().query<{
    user_id: number;
    item_id: number;
    user_ext: string;
    item_ext: string;
    ts: Date;
    kind: string;
    value: number | null;
    text: string | null;
    source_event_id: string;
  }>(`SELECT b.user_id, b.item_id, u.external_id AS user_ext, i.external_id AS item_ext, b.ts, b.kind, b.value, b.text, b.source_event_id
        FROM behaviors b JOIN users u ON u.id = b.user_id JOIN items i ON i.id = b.item_id ORDER BY b.id`);

  // 2. API: the same events under another source, so that all of them are new.
  let api: IngestBenchResult["api"] = null;
  if (opts.api) {
    const bodies: string[] = [];
    for (let i = 0; i < rows.length; i += opts.apiBatchSize) {
      bodies.push(
        JSON.stringify(
          rows.slice(i, i + opts.apiBatchSize).map((r) => ({
            user: r.user_ext,
            item: r.item_ext,
            ts: r.ts.getTime(),
            kind: r.kind,
            value: r.value,
            ...(r.text !== null ? { text: r.text } : {}),
            source: "bench-api",
            sourceEventId: r.source_event_id,
          })),
        ),
      );
    }
    let accepted = 0;
    const started = performance.now();
    for (const body of bodies) {
      const { NextRequest } = await import("next/server");
      const req = new NextRequest("http://127.0.0.1/api/behaviors", {
        method: "POST",
        headers: { authorization: `Bearer ${opts.api.token}`, "content-type": "application/json" },
        body,
      });
      const res = await opts.api.handler(req, { params: Promise.resolve({}) });
      const json = (await res.json()) as { accepted?: number };
      if (res.status !== 200) throw new Error(`POST /api/behaviors answered ${res.status}: ${JSON.stringify(json).slice(0, 300)}`);
      accepted += json.accepted ?? 0;
    }
    const durationMs = performance.now() - started;
    if (accepted !== rows.length) throw new Error(`the API accepted ${accepted} of ${rows.length} events`);
    api = {
      events: accepted,
      batchSize: opts.apiBatchSize,
      requests: bodies.length,
      durationMs: Math.round(durationMs),
      eventsPerSec: Math.round(accepted / (durationMs / 1000)),
      method: "route handler called in-process with NextRequest, one request at a time (no HTTP socket)",
    };
    log(`api: ${accepted} events in ${bodies.length} requests, ${api.durationMs} ms`);
  }

  // 3. Reference: bare COPY into an indexed table shaped like behaviors.
  const copyLines = rows.map(
    (r) =>
      `${r.user_id}\t${r.item_id}\t${r.ts.toISOString()}\t${r.kind}\t${copyNumber(r.value)}\t${copyText(r.text)}\tmovielens\t${copyText(r.source_event_id)}\n`,
  );
  const client = await pool().connect();
  let copyMs: number;
  try {
    await client.query(`DROP TABLE IF EXISTS bench_copy_reference;
      CREATE TABLE bench_copy_reference (LIKE behaviors INCLUDING DEFAULTS INCLUDING INDEXES)`);
    const started = performance.now();
    await client.query("BEGIN");
    await pipeline(
      Readable.from(chunks(copyLines, 8192)),
      client.query(copyFrom("COPY bench_copy_reference (user_id, item_id, ts, kind, value, text, source, source_event_id) FROM STDIN")),
    );
    await client.query("COMMIT");
    copyMs = performance.now() - started;
    await client.query("DROP TABLE bench_copy_reference");
  } finally {
    client.release();
  }
  const copyEps = rows.length / (copyMs / 1000);
  log(`bare COPY: ${rows.length} rows in ${Math.round(copyMs)} ms`);

  const { rows: version } = await pool().query<{ v: string }>("SELECT current_setting('server_version') AS v");
  return {
    dataset: opts.dataset,
    repeat: opts.repeat,
    importer: {
      events: last.events,
      durationMs: last.durationMs,
      eventsPerSec: Math.round(median),
      runsEventsPerSec: importerRuns.map((r) => Math.round(r.events / (r.durationMs / 1000))),
    },
    api,
    copyReference: {
      rows: rows.length,
      durationMs: Math.round(copyMs),
      eventsPerSec: Math.round(copyEps),
      table: "LIKE behaviors INCLUDING DEFAULTS INCLUDING INDEXES (same 4 indexes, no foreign keys)",
    },
    importerToCopyRatio: Number((median / copyEps).toFixed(3)),
    goal: { importerEventsPerSec: IMPORTER_GOAL_EVENTS_PER_SEC, met: median >= IMPORTER_GOAL_EVENTS_PER_SEC },
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "?", node: process.version, postgres: version[0]!.v },
  };
}

function* chunks(lines: string[], per: number): Generator<string> {
  for (let i = 0; i < lines.length; i += per) yield lines.slice(i, i + per).join("");
}
