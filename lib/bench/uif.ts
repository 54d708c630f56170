import os from "node:os";
import { createApiToken } from "../auth/api-tokens";
import type { GetRouteHandler } from "./handed-in";
import { pool } from "../db/client";
import { ingestApiEvents } from "../ingest/api";
import { activateConfig, createConfigVersion } from "../partitions/configs";
import { recomputePartitions } from "../partitions/recompute";
import { summariseUsers } from "../uil/service";
import { BuiltinEncoder, fitIdf } from "../uif/builtin";
import { encodeMissing, fitBuiltinVersion, resolveScope } from "../uif/encoding";
import { getEncoderVersion } from "../uif/store";

/**
 * Database part of `liber bench uif` (run on a fresh temporary database by the CLI):
 * users with 10, 100 and 1,000 sealed partitions go in through the real ingestion path, the
 * builtin provider summarises them, the builtin encoder is fitted and encodes them; then
 *  - builtin encoding throughput (texts/s) over those summary and shift texts, pure;
 *  - GET /api/users/{id}/features latency through the route handler (auth, zod, SQL, fusion,
 *    JSON), p50/p95 per user size, asOf after the last seal (every partition in).
 */

export interface UifBenchResult {
  machine: { cpus: number; loadAverage: number[]; node: string };
  setup: { events: number; partitions: number; texts: number; summariseMs: number; fitMs: number; encodeMs: number };
  encoding: { texts: number; meanChars: number; dims: number; durationMs: number; textsPerSec: number };
  features: { partitions: number; vectors: "json" | "base64"; requests: number; p50Ms: number; p95Ms: number; maxMs: number; responseBytes: number }[];
  /** Met when p95 < 50 ms at 1,000 partitions with one of the vector encodings (`metWith`). */
  goal: { p95MsAt1000: number; met: boolean; metWith: ("json" | "base64")[] };
  durationMs: number;
}

const GENRES = ["Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"];
const K = 4;
const DAY = 86_400_000;

export async function runUifBench(opts: { sizes: number[]; requests: number; featuresRoute: GetRouteHandler; log: (line: string) => void }): Promise<UifBenchResult> {
  const { log } = opts;
  const started = performance.now();
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
  for (const size of opts.sizes) {
    // A drifting taste: the item window moves through the catalogue over time.
    const n = size * K + 1;
    const entries = Array.from({ length: n }, (_, k) => ({
      index: k,
      value: { user: `bench-${size}`, item: `b${(Math.floor(k / (K * 8)) * 13 + (k % 17)) % items}`, ts: Date.UTC(2015, 0, 1) + k * DAY, kind: "rate", value: 1 + (k % 5) },
    }));
    for (let i = 0; i < entries.length; i += 5000) {
      const outcome = await ingestApiEvents(entries.slice(i, i + 5000), { mode: "atomic", createUsers: true });
      if (!outcome.committed) throw new Error(`bench ingest failed: ${JSON.stringify(outcome.result.errors.slice(0, 2))}`);
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
  const { rows: texts } = await pool().query<{ summary: string; shift: string | null }>(`SELECT summary, shift FROM partition_summaries WHERE status = 'ok'`);
  const corpus = texts.flatMap((r) => (r.shift ? [r.summary, r.shift] : [r.summary]));
  const partitions = texts.length;
  log(`bench: ${partitions} partitions summarised (${Math.round(summariseMs)} ms), IDF fitted (${Math.round(fitMs)} ms), encoded (${Math.round(encodeMs)} ms)`);

  // Encoding throughput: the pure encoder over the corpus, repeated for at least a second.
  const encoder = new BuiltinEncoder(fitIdf(corpus));
  let encoded = 0;
  t = performance.now();
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
  const features: UifBenchResult["features"] = [];
  for (const size of opts.sizes) for (const vectors of ["json", "base64"] as const) {
    const user = `bench-${size}`;
    const once = async () => {
      const req = new NextRequest(`http://localhost/api/users/${user}/features?asOf=${asOf}&vectors=${vectors}`, { headers: { authorization: `Bearer ${token}` } });
      const s = performance.now();
      const res = await handler(req, { params: Promise.resolve({ id: user }) });
      const body = await res.text();
      const ms = performance.now() - s;
      if (res.status !== 200) throw new Error(`features ${user}: HTTP ${res.status} ${body.slice(0, 200)}`);
      return { ms, bytes: body.length, partitions: (JSON.parse(body) as { partitions: unknown[] }).partitions.length };
    };
    for (let i = 0; i < 5; i++) await once(); // warm-up: caches, JIT, connections
    const times: number[] = [];
    let last = { ms: 0, bytes: 0, partitions: 0 };
    for (let i = 0; i < opts.requests; i++) {
      last = await once();
      times.push(last.ms);
    }
    times.sort((a, b) => a - b);
    const q = (p: number) => round(times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)]!);
    features.push({ partitions: last.partitions, vectors, requests: times.length, p50Ms: q(0.5), p95Ms: q(0.95), maxMs: round(times.at(-1)!), responseBytes: last.bytes });
    log(`bench: features at ${last.partitions} partitions (${vectors}): p50 ${q(0.5)} ms, p95 ${q(0.95)} ms`);
  }
  const at1000 = features.filter((f) => f.partitions >= 1000);
  return {
    machine: { cpus: os.cpus().length, loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100), node: process.version },
    setup: { events, partitions, texts: corpus.length, summariseMs: Math.round(summariseMs), fitMs: Math.round(fitMs), encodeMs: Math.round(encodeMs) },
    encoding: { texts: encoded, meanChars: Math.round(meanChars), dims: encoder.dims, durationMs: Math.round(encodingMs), textsPerSec: Math.round((encoded / encodingMs) * 1000) },
    features,
    goal: { p95MsAt1000: 50, met: at1000.length > 0 && at1000.some((f) => f.p95Ms < 50), metWith: at1000.filter((f) => f.p95Ms < 50).map((f) => f.vectors) },
    durationMs: Math.round(performance.now() - started),
  };
}

const round = (x: number) => Math.round(x * 100) / 100;
