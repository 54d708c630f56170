import os from "node:os";
import { createApiToken } from "../auth/api-tokens";
import type { GetRouteHandler } from "./handed-in";
import { pool } from "../db/client";
import { ingestApiEvents } from "../ingest/api";
import { activateConfig, createConfigVersion } from "../partitions/configs";
import { recomputePartitions } from "../partitions/recompute";
import { summariseUsers } from "../summaries/service";
import { BuiltinEncoder, fitIdf } from "../uif/builtin";
import { encodeMissing, fitBuiltinVersion, resolveScope } from "../uif/encoding";
import { getEncoderVersion, latestEncoderVersion } from "../uif/store";
import { featureCacheBudget, setFeatureCacheBudget } from "../uif/feature-cache";

/**
 * Database part of `liber bench uif` (run on a fresh temporary database by the CLI):
 * users with 10, 100 and 1,000 sealed partitions go in through the real ingestion path, the
 * builtin provider summarises them, the builtin encoder is fitted and encodes them; then
 *  - builtin encoding throughput (texts/s) over those summary and shift texts, pure;
 *  - GET /api/users/{id}/features latency through the route handler (auth, zod, SQL, fusion,
 *    JSON), p50/p95 per user size, vector encoding (json, base64, none) and cache state (warm,
 *    off), asOf after the last seal (every partition in);
 *  - in the same run, references to compare with on a loaded machine: a SELECT 1 round trip and
 *    a bare SELECT of the user's vector rows.
 */

export interface UifBenchResult {
  machine: { cpus: number; loadAverage: number[]; node: string };
  setup: { events: number; partitions: number; texts: number; summariseMs: number; fitMs: number; encodeMs: number };
  encoding: { texts: number; meanChars: number; dims: number; durationMs: number; textsPerSec: number };
  /** Measured in the same run as the features, per user size: one round trip (SELECT 1) and a bare SELECT of the user's vector rows. */
  references: { partitions: number; roundTrip: LatencyStats; selectVectors: LatencyStats }[];
  /**
   * Per user size, vector encoding and cache state: "warm" = the server's steady state (the
   * user's rows cached in the process and validated per request), "off" = the cache disabled
   * (every request reads and serialises everything: what a first request costs).
   * p95VsSelect = p95 / the bare SELECT's p95 at the same size.
   */
  features: {
    partitions: number;
    /** Partitions listed in the answer (fewer than `partitions` with a limit). */
    listed: number;
    vectors: "json" | "base64" | "none";
    limit: number | null;
    cache: "warm" | "off";
    requests: number;
    p50Ms: number;
    p95Ms: number;
    maxMs: number;
    responseBytes: number;
    p95VsSelect: number;
  }[];
  /** Met when p95 < 50 ms at 1,000 partitions in one of the modes (`metWith`: "encoding/cache"). */
  goal: { p95MsAt1000: number; met: boolean; metWith: string[] };
  durationMs: number;
}

const GENRES = [
  "Action",
  "Adventure",
  "Animation",
  "Children",
  "Comedy",
  "Crime",
  "Documentary",
  "Drama",
  "Fantasy",
  "Film-Noir",
  "Horror",
  "Musical",
  "Mystery",
  "Romance",
  "Sci-Fi",
  "Thriller",
  "War",
  "Western",
];
const K = 4;
const DAY = 86_400_000;

export interface UifBenchSetup {
  events: number;
  partitions: number;
  summariseMs: number;
  fitMs: number;
  encodeMs: number;
}

/** Users `bench-<size>` with `size` sealed, summarised and encoded partitions each (the data every measure reads). */
export async function seedUifBench(sizes: readonly number[], log: (line: string) => void): Promise<UifBenchSetup> {
  const items = 400;
  await pool().query(
    `INSERT INTO items (external_id, title, categories)
     SELECT 'b' || i, 'Film ' || i || ' (' || (1950 + i % 70) || ')', ARRAY[($1::text[])[(i % $2) + 1], ($1::text[])[((i * 7) % $2) + 1]]
     FROM generate_series(0, $3 - 1) AS i`,
    [GENRES, GENRES.length, items],
  );
  const config = await createConfigVersion({ name: "bench-uif", config: { maxCount: K } });
  await activateConfig(config.id);
  let events = 0;
  for (const size of sizes) {
    // A drifting taste: the item window moves through the catalogue over time.
    const n = size * K + 1;
    const entries = Array.from({ length: n }, (_, k) => ({
      index: k,
      value: {
        user: `bench-${size}`,
        item: `b${(Math.floor(k / (K * 8)) * 13 + (k % 17)) % items}`,
        ts: Date.UTC(2015, 0, 1) + k * DAY,
        kind: "rate",
        value: 1 + (k % 5),
      },
    }));
    for (let i = 0; i < entries.length; i += 5000) {
      const outcome = await ingestApiEvents(entries.slice(i, i + 5000), { mode: "atomic", createUsers: true });
      if (!outcome.committed)
        throw new Error(`bench ingest failed: ${JSON.stringify(outcome.result.errors.slice(0, 2))}`);
    }
    events += n;
  }
  await recomputePartitions(config.id);
  log(`bench: ${events.toLocaleString("en")} events ingested and partitioned (K = ${K})`);
  let t = performance.now();
  await summariseUsers({ kind: "bench" });
  const summariseMs = performance.now() - t;
  const scope = await resolveScope();
  t = performance.now();
  const fit = await fitBuiltinVersion({ scope, createdBy: "bench" });
  const fitMs = performance.now() - t;
  const row = (await getEncoderVersion(fit.encoder.id))!;
  t = performance.now();
  await encodeMissing(row, { scope });
  const encodeMs = performance.now() - t;
  const { rows: counted } = await pool().query<{ n: number }>(
    `SELECT count(*)::int AS n FROM partition_summaries WHERE status = 'ok'`,
  );
  const partitions = counted[0]!.n;
  log(
    `bench: ${partitions} partitions summarised (${Math.round(summariseMs)} ms), IDF fitted (${Math.round(fitMs)} ms), encoded (${Math.round(encodeMs)} ms)`,
  );
  return { events, partitions, summariseMs, fitMs, encodeMs };
}

export async function runUifBench(opts: {
  sizes: number[];
  requests: number;
  uncachedRequests: number;
  featuresRoute: GetRouteHandler;
  log: (line: string) => void;
}): Promise<UifBenchResult> {
  const { log } = opts;
  const started = performance.now();
  const { events, partitions, summariseMs, fitMs, encodeMs } = await seedUifBench(opts.sizes, log);
  const { rows: texts } = await pool().query<{ summary: string; shift: string | null }>(
    `SELECT summary, shift FROM partition_summaries WHERE status = 'ok'`,
  );
  const corpus = texts.flatMap((r) => (r.shift ? [r.summary, r.shift] : [r.summary]));

  // Encoding throughput: the pure encoder over the corpus, repeated for at least a second.
  const encoder = new BuiltinEncoder(fitIdf(corpus));
  let encoded = 0;
  const t = performance.now();
  while (performance.now() - t < 1000 || encoded < corpus.length) {
    await encoder.encode(corpus);
    encoded += corpus.length;
  }
  const encodingMs = performance.now() - t;
  const meanChars = corpus.reduce((s, x) => s + x.length, 0) / corpus.length;

  // Features latency through the route handler. next/server is loaded here, not at the top: every
  // CLI command loads this file, and a static import breaks `liber start` (AsyncLocalStorage invariant).
  const { NextRequest } = await import("next/server");
  const handler = opts.featuresRoute;
  const { token } = await createApiToken({ name: "bench-uif", role: "viewer", createdById: null });
  const asOf = Date.UTC(2100, 0, 1);
  const scope = await resolveScope();
  const encoderRow = await latestEncoderVersion("builtin", new Date(asOf));
  const features: UifBenchResult["features"] = [];
  const references: UifBenchResult["references"] = [];
  const budget = featureCacheBudget();
  for (const size of opts.sizes) {
    const user = `bench-${size}`;
    const { rows: ids } = await pool().query<{ id: number }>(`SELECT id FROM users WHERE external_id = $1`, [user]);
    // References measured beside the route, same rows and connection pool: one round trip, and the
    // bare SELECT of the vector rows the uncached path reads (bytea through node-pg as usual).
    const roundTrip = await timed(opts.requests, async () => void (await pool().query("SELECT 1")));
    const selectVectors = await timed(opts.requests, async () => {
      await pool().query(
        `SELECT summary_id, text_kind, vector FROM uif_partition_vectors
         WHERE user_id = $1 AND config_id = $2 AND encoder_version_id = $3 AND sealed_at_ts < $4`,
        [ids[0]!.id, scope.configId, encoderRow!.id, new Date(asOf)],
      );
    });
    const reference = { partitions: size, roundTrip: roundTrip.stats, selectVectors: selectVectors.stats };
    references.push(reference);
    log(
      `bench: reference at ${size} partitions: SELECT 1 p95 ${roundTrip.stats.p95Ms} ms, bare SELECT of the vector rows p50 ${selectVectors.stats.p50Ms} ms, p95 ${selectVectors.stats.p95Ms} ms`,
    );
    for (const cache of ["warm", "off"] as const) {
      setFeatureCacheBudget(cache === "warm" ? budget : 0);
      for (const { vectors, limit } of MODES) {
        let last = { bytes: 0, partitions: 0 };
        const run = await timed(cache === "warm" ? opts.requests : opts.uncachedRequests, async () => {
          const req = new NextRequest(
            `http://localhost/api/users/${user}/features?asOf=${asOf}&vectors=${vectors}${limit ? `&limit=${limit}` : ""}`,
            { headers: { authorization: `Bearer ${token}` } },
          );
          const s = performance.now();
          const res = await handler(req, { params: Promise.resolve({ id: user }) });
          const body = await res.text();
          const ms = performance.now() - s;
          if (res.status !== 200) throw new Error(`features ${user}: HTTP ${res.status} ${body.slice(0, 200)}`);
          last = {
            bytes: Buffer.byteLength(body),
            partitions: (JSON.parse(body) as { partitions: unknown[] }).partitions.length,
          };
          return ms;
        });
        const ratio = round(run.stats.p95Ms / Math.max(0.01, selectVectors.stats.p95Ms));
        features.push({
          partitions: size,
          listed: last.partitions,
          vectors,
          limit,
          cache,
          requests: run.requests,
          ...run.stats,
          responseBytes: last.bytes,
          p95VsSelect: ratio,
        });
        log(
          `bench: features at ${size} partitions (${vectors}${limit ? `, limit ${limit}` : ""}, cache ${cache}): p50 ${run.stats.p50Ms} ms, p95 ${run.stats.p95Ms} ms (${ratio}x the bare SELECT's p95)`,
        );
      }
    }
    setFeatureCacheBudget(budget);
  }
  const at1000 = features.filter((f) => f.partitions >= 1000);
  const met = at1000
    .filter((f) => f.p95Ms < 50)
    .map((f) => `${f.vectors}${f.limit ? `+limit=${f.limit}` : ""}/${f.cache}`);
  return {
    machine: {
      cpus: os.cpus().length,
      loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
      node: process.version,
    },
    setup: {
      events,
      partitions,
      texts: corpus.length,
      summariseMs: Math.round(summariseMs),
      fitMs: Math.round(fitMs),
      encodeMs: Math.round(encodeMs),
    },
    encoding: {
      texts: encoded,
      meanChars: Math.round(meanChars),
      dims: encoder.dims,
      durationMs: Math.round(encodingMs),
      textsPerSec: Math.round((encoded / encodingMs) * 1000),
    },
    references,
    features,
    goal: { p95MsAt1000: 50, met: met.length > 0, metWith: met },
    durationMs: Math.round(performance.now() - started),
  };
}

/** Every encoding, and json with limit=32 (the latest 32 partitions listed, as the CTR model reads P = 32). */
const MODES = [
  { vectors: "json", limit: null },
  { vectors: "base64", limit: null },
  { vectors: "none", limit: null },
  { vectors: "json", limit: 32 },
] as const;

interface LatencyStats {
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

/** 5 warm-up calls (JIT, connections, and for the features a filled cache), then `n` timed ones. */
async function timed(
  n: number,
  call: () => Promise<number | void>,
): Promise<{ requests: number; stats: LatencyStats }> {
  const once = async () => {
    const s = performance.now();
    const inner = await call();
    return typeof inner === "number" ? inner : performance.now() - s;
  };
  for (let i = 0; i < 5; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push(await once());
  times.sort((a, b) => a - b);
  const q = (p: number) => round(times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)]!);
  return { requests: n, stats: { p50Ms: q(0.5), p95Ms: q(0.95), maxMs: round(times.at(-1)!) } };
}

const round = (x: number) => Math.round(x * 100) / 100;
