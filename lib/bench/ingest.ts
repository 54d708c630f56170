import os from "node:os";
import { Worker } from "node:worker_threads";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import { pool } from "../db/client";
import { importMovieLens } from "../datasets/movielens";
import { copyNumber, copyText } from "../db/copy";

/**
 * The ingestion benchmark (`liber bench ingest`). Runs against whatever DATABASE_URL points at;
 * the CLI gives it a fresh temporary embedded PostgreSQL. Three measures of the same rows:
 * 1. the MovieLens importer, end to end (files read, parsed, written, committed), also
 *    without the UBSP partition update that runs in the same transaction before the commit;
 * 2. POST /api/behaviors in batches of 1,000 events, the real route handler called in-process
 *    with NextRequest objects (auth, body parsing, validation, write, commit; no HTTP socket);
 *    and the same route over a real loopback socket with 1, 4 and 16 concurrent clients
 *    (throughput and p95 latency per request);
 * 3. a bare COPY of the same rows (ids already resolved) into a table with the same indexes as
 *    behaviors (no foreign keys, no dedup): the reference for what PostgreSQL itself can do.
 * Importer and COPY runs alternate, so that both see the same machine; medians are reported.
 */
export type RouteHandler = (
  req: Request,
  ctx: { params: Promise<Record<string, string | string[]>> },
) => Promise<Response>;

export interface IngestBenchResult {
  dataset: string;
  repeat: number;
  importer: {
    events: number;
    durationMs: number;
    /** End to end, the UBSP partition update at commit included (median of the runs). */
    eventsPerSec: number;
    runsEventsPerSec: number[];
    /** The same run without the time of the UBSP partition update (reading, validating, writing the log). */
    ingestOnlyEventsPerSec: number;
    partitionUpdateMs: number;
  };
  api: {
    events: number;
    batchSize: number;
    requests: number;
    durationMs: number;
    eventsPerSec: number;
    method: string;
  } | null;
  /**
   * POST /api/behaviors over a real loopback socket (node http server in front of the route
   * handler; fetch with keep-alive as the client), with 1, 4 and 16 concurrent clients, each level
   * on events new to the log. Ratio = events/s over the importer's events/s of this run.
   */
  http: HttpLevel[] | null;
  /** Median of `repeat` runs, like the importer. */
  copyReference: { rows: number; durationMs: number; eventsPerSec: number; runsEventsPerSec: number[]; table: string };
  importerToCopyRatio: number;
  ingestOnlyToCopyRatio: number;
  /**
   * Issue 10's goals, as ratios of two figures measured in the same run (an absolute rate says
   * little on a shared machine): the importer against the bare COPY, and one HTTP client against
   * the importer. `met` is null when the figure was not measured (--no-api, or no 1-client level).
   */
  goals: {
    importerToCopy: RatioGoal;
    httpOneClientToImporter: RatioGoal;
  };
  machine: { cpus: number; cpuModel: string; loadAverage: number[]; node: string; postgres: string };
}

export interface RatioGoal {
  atLeast: number;
  measured: number | null;
  met: boolean | null;
}

const IMPORTER_TO_COPY_GOAL = 0.6;
const HTTP_ONE_CLIENT_TO_IMPORTER_GOAL = 0.5;

function ratioGoal(atLeast: number, measured: number | null): RatioGoal {
  return { atLeast, measured, met: measured === null ? null : measured >= atLeast };
}

export interface HttpLevel {
  clients: number;
  events: number;
  requests: number;
  durationMs: number;
  eventsPerSec: number;
  p50Ms: number;
  p95Ms: number;
  /** eventsPerSec / the importer's end-to-end events/s (goal: >= 0.5). */
  toImporterRatio: number;
}

interface LoggedRow {
  user_id: number;
  item_id: number;
  user_ext: string;
  item_ext: string;
  ts: Date;
  kind: string;
  value: number | null;
  text: string | null;
  source_event_id: string;
}

export async function runIngestBench(opts: {
  dataset: string;
  repeat: number;
  apiBatchSize: number;
  /**
   * Loads the POST /api/behaviors handler and makes an editor's bearer token, called after the
   * importer and COPY runs; null skips the API measures.
   */
  api: (() => Promise<{ handler: RouteHandler; token: string }>) | null;
  /** Concurrency levels of the HTTP measure (default 1, 4, 16) and events per level; [] skips it. */
  httpClients?: number[];
  httpEvents?: number;
  log: (line: string) => void;
}): Promise<IngestBenchResult> {
  const { log } = opts;
  const importerRuns: { events: number; durationMs: number; partitionsMs: number }[] = [];
  const copyRuns: number[] = [];
  // The reference COPY's input, built once as Buffers: kept off the JS heap, so that holding it
  // does not slow the garbage collector during the importer runs that follow.
  let copyData: Buffer[] = [];
  let rowCount = 0;
  for (let i = 0; i < opts.repeat; i++) {
    // Each importer run starts from empty tables (the first one in a fresh database).
    if (i > 0) await pool().query("TRUNCATE behaviors, users, items, import_runs RESTART IDENTITY CASCADE");
    const summary = await importMovieLens(opts.dataset);
    if (summary.status !== "succeeded") throw new Error(`the import failed: ${summary.errorMessage}`);
    importerRuns.push({
      events: summary.inserted,
      durationMs: summary.durationMs,
      partitionsMs: summary.partitions.durationMs,
    });
    log(
      `importer run ${i + 1}/${opts.repeat}: ${summary.inserted} events in ${summary.durationMs} ms ` +
        `(of which UBSP partition update ${summary.partitions.durationMs} ms)`,
    );
    if (i === 0) {
      const rows = await loggedRows();
      rowCount = rows.length;
      copyData = copyChunks(rows, 8192);
    }
    const copyMs = await bareCopy(copyData);
    copyRuns.push(copyMs);
    log(`bare COPY run ${i + 1}/${opts.repeat}: ${rowCount} rows in ${Math.round(copyMs)} ms`);
  }
  const byRate = [...importerRuns].sort((a, b) => a.events / a.durationMs - b.events / b.durationMs);
  const medianRun = byRate[Math.floor(byRate.length / 2)]!;
  const median = medianRun.events / (medianRun.durationMs / 1000);
  const ingestOnly = medianRun.events / (Math.max(medianRun.durationMs - medianRun.partitionsMs, 1) / 1000);
  const copyMs = [...copyRuns].sort((a, b) => a - b)[Math.floor(copyRuns.length / 2)]!;
  const copyEps = rowCount / (copyMs / 1000);
  copyData = [];

  const route = opts.api ? await opts.api() : null;
  // The rows as they sit in the log after the last import (the same events in the same order).
  const rows = route ? await loggedRows() : [];
  const api = route ? await benchApi(rows, route, opts.apiBatchSize, log) : null;
  const levels = opts.httpClients ?? [1, 4, 16];
  const http =
    route && levels.length > 0
      ? await benchHttp(rows.slice(0, opts.httpEvents ?? 32_000), route, opts.apiBatchSize, levels, median, log)
      : null;

  const { rows: version } = await pool().query<{ v: string }>("SELECT current_setting('server_version') AS v");
  const importerToCopyRatio = Number((median / copyEps).toFixed(3));
  return {
    dataset: opts.dataset,
    repeat: opts.repeat,
    importer: {
      events: medianRun.events,
      durationMs: medianRun.durationMs,
      eventsPerSec: Math.round(median),
      runsEventsPerSec: importerRuns.map((r) => Math.round(r.events / (r.durationMs / 1000))),
      ingestOnlyEventsPerSec: Math.round(ingestOnly),
      partitionUpdateMs: medianRun.partitionsMs,
    },
    api,
    http,
    copyReference: {
      rows: rowCount,
      durationMs: Math.round(copyMs),
      eventsPerSec: Math.round(copyEps),
      runsEventsPerSec: copyRuns.map((ms) => Math.round(rowCount / (ms / 1000))),
      table: "LIKE behaviors INCLUDING DEFAULTS INCLUDING INDEXES (same 4 indexes, no foreign keys)",
    },
    importerToCopyRatio,
    ingestOnlyToCopyRatio: Number((ingestOnly / copyEps).toFixed(3)),
    goals: {
      importerToCopy: ratioGoal(IMPORTER_TO_COPY_GOAL, importerToCopyRatio),
      httpOneClientToImporter: ratioGoal(
        HTTP_ONE_CLIENT_TO_IMPORTER_GOAL,
        http?.find((level) => level.clients === 1)?.toImporterRatio ?? null,
      ),
    },
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? "?",
      loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
      node: process.version,
      postgres: version[0]!.v,
    },
  };
}

/** The rows as they sit in the log, in id order, with their users' and items' external ids. */
async function loggedRows(): Promise<LoggedRow[]> {
  const { rows } = await pool().query<LoggedRow>(
    `SELECT b.user_id, b.item_id, u.external_id AS user_ext, i.external_id AS item_ext, b.ts, b.kind, b.value, b.text, b.source_event_id
       FROM behaviors b JOIN users u ON u.id = b.user_id JOIN items i ON i.id = b.item_id ORDER BY b.id`,
  );
  return rows;
}

/** The rows as COPY text, `per` lines to a Buffer. */
function copyChunks(rows: readonly LoggedRow[], per: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < rows.length; i += per) {
    let text = "";
    for (const r of rows.slice(i, i + per))
      text +=
        `${r.user_id}\t${r.item_id}\t${r.ts.toISOString()}\t${r.kind}\t${copyNumber(r.value)}\t${copyText(r.text)}\t` +
        `movielens\t${copyText(r.source_event_id)}\n`;
    out.push(Buffer.from(text));
  }
  return out;
}

/** One bare COPY into a fresh indexed table (committed); returns its duration in ms. */
async function bareCopy(data: readonly Buffer[]): Promise<number> {
  const client = await pool().connect();
  try {
    await client.query(`DROP TABLE IF EXISTS bench_copy_reference;
      CREATE TABLE bench_copy_reference (LIKE behaviors INCLUDING DEFAULTS INCLUDING INDEXES)`);
    const started = performance.now();
    await client.query("BEGIN");
    await pipeline(
      Readable.from(data),
      client.query(
        copyFrom(
          "COPY bench_copy_reference (user_id, item_id, ts, kind, value, text, source, source_event_id) FROM STDIN",
        ),
      ),
    );
    await client.query("COMMIT");
    const ms = performance.now() - started;
    await client.query("DROP TABLE bench_copy_reference");
    return ms;
  } finally {
    client.release();
  }
}

/** The same events under another source (so that all are new), 1,000 per request, in order. */
async function benchApi(
  rows: LoggedRow[],
  api: { handler: RouteHandler; token: string },
  batchSize: number,
  log: (line: string) => void,
): Promise<NonNullable<IngestBenchResult["api"]>> {
  const { NextRequest } = await import("next/server");
  // Bodies are serialised beforehand: the client's work is not the server's.
  const bodies = requestBodies(rows, batchSize, "bench-api");
  let accepted = 0;
  const started = performance.now();
  for (const body of bodies) {
    const req = new NextRequest("http://127.0.0.1/api/behaviors", {
      method: "POST",
      headers: { authorization: `Bearer ${api.token}`, "content-type": "application/json" },
      body,
    });
    const res = await api.handler(req, { params: Promise.resolve({}) });
    const json = (await res.json()) as { accepted?: number };
    if (res.status !== 200)
      throw new Error(`POST /api/behaviors answered ${res.status}: ${JSON.stringify(json).slice(0, 300)}`);
    accepted += json.accepted ?? 0;
  }
  const durationMs = performance.now() - started;
  if (accepted !== rows.length) throw new Error(`the API accepted ${accepted} of ${rows.length} events`);
  log(`api: ${accepted} events in ${bodies.length} requests, ${Math.round(durationMs)} ms`);
  return {
    events: accepted,
    batchSize,
    requests: bodies.length,
    durationMs: Math.round(durationMs),
    eventsPerSec: Math.round(accepted / (durationMs / 1000)),
    method: "route handler called in-process with NextRequest, one request at a time (no HTTP socket)",
  };
}

function requestBodies(rows: LoggedRow[], batchSize: number, source: string): string[] {
  const bodies: string[] = [];
  for (let i = 0; i < rows.length; i += batchSize) {
    bodies.push(
      JSON.stringify(
        rows.slice(i, i + batchSize).map((r) => ({
          user: r.user_ext,
          item: r.item_ext,
          ts: r.ts.getTime(),
          kind: r.kind,
          value: r.value,
          ...(r.text !== null ? { text: r.text } : {}),
          source,
          sourceEventId: r.source_event_id,
        })),
      ),
    );
  }
  return bodies;
}

/**
 * The same events over HTTP: the handler behind a loopback node http server, `clients` workers
 * taking the next body from a shared queue (each level under its own source, so all are new).
 * The clients run in a worker thread (./http-client-worker.mjs), as separate processes would.
 */
async function benchHttp(
  rows: LoggedRow[],
  api: { handler: RouteHandler; token: string },
  batchSize: number,
  levels: number[],
  importerEventsPerSec: number,
  log: (line: string) => void,
): Promise<HttpLevel[]> {
  const { serveRoute } = await import("./serve-route");
  const server = await serveRoute(api.handler, { method: "POST" });
  const out: HttpLevel[] = [];
  try {
    for (const clients of levels) {
      const bodies = requestBodies(rows, batchSize, `bench-http-${clients}`);
      const { accepted, latencies, durationMs } = await runHttpClients({
        url: `${server.origin}/api/behaviors`,
        token: api.token,
        bodies,
        clients,
      });
      if (accepted !== rows.length) throw new Error(`over HTTP the API accepted ${accepted} of ${rows.length} events`);
      latencies.sort((a, b) => a - b);
      const pct = (q: number) =>
        Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!);
      const eventsPerSec = Math.round(accepted / (durationMs / 1000));
      out.push({
        clients,
        events: accepted,
        requests: bodies.length,
        durationMs: Math.round(durationMs),
        eventsPerSec,
        p50Ms: pct(0.5),
        p95Ms: pct(0.95),
        toImporterRatio: Number((eventsPerSec / importerEventsPerSec).toFixed(3)),
      });
      log(
        `http, ${clients} client(s): ${accepted} events in ${bodies.length} requests, ${Math.round(durationMs)} ms, p95 ${pct(0.95)} ms`,
      );
    }
  } finally {
    await server.close();
  }
  return out;
}

/** Sends the bodies from a worker thread with `clients` concurrent clients; times each request there. */
function runHttpClients(work: {
  url: string;
  token: string;
  bodies: string[];
  clients: number;
}): Promise<{ accepted: number; latencies: number[]; durationMs: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./http-client-worker.mjs", import.meta.url), { workerData: work });
    worker.once(
      "message",
      (m: { accepted: number; latencies: number[]; durationMs: number; failure: string | null }) => {
        if (m.failure !== null) reject(new Error(m.failure));
        else resolve(m);
      },
    );
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (code !== 0) reject(new Error(`the HTTP client worker exited with code ${code}`));
    });
  });
}
