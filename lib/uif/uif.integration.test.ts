import { parquetReadObjects } from "hyparquet";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as featuresRoute } from "../../app/api/users/[id]/features/route";
import { GET as neighboursRoute } from "../../app/api/users/[id]/neighbours/route";
import { GET as vectorsRoute } from "../../app/api/users/[id]/vectors/route";
import { GET as listEncodersRoute, POST as encodersRoute } from "../../app/api/uif/encoders/route";
import { GET as exportRoute } from "../../app/api/uif/export/route";
import { GET as populationRoute } from "../../app/api/uif/population/route";
import { useTestDatabase } from "../../test/db";
import { createApiToken } from "../auth/api-tokens";
import type { Role } from "../auth/roles";
import { pool } from "../db/client";
import {
  startTestLlmServer,
  testEmbedding,
  testEmbeddingTokens,
  type TestLlmServer,
  manualClock,
} from "../llm/test-server";
import { offSummariesWritten } from "../summaries/hooks";
import { summariseUsers } from "../summaries/service";
import { activateCountConfig, ingestAndPartition, insertTestItems, userEvents } from "../summaries/test-helpers";
import { BuiltinEncoder, fitIdf } from "./builtin";
import type { EncodeResult, FitResult, UserFeatures } from "./contract";
import { bytesToVector } from "./encoder";
import { encodeMissing, ensureOpenAiEncoderVersion, resolveScope, type EncoderOverrides } from "./encoding";
import { getUserFeatures } from "./features";
import { setFeatureCacheBudget } from "./feature-cache";
import { encodeDemoData } from "./demo";
import { enableEncodingAfterSummaries } from "./hook";
import { getEncoderVersion, loadBuiltinEncoder } from "./store";

// UIF through its route handlers and services on a real database: the builtin provider
// summarises (no endpoint configured), the openai encoder talks to the test server.

useTestDatabase();

const K = 4;
const tokens = {} as Record<Role, string>;
let configId: number;

beforeAll(async () => {
  for (const role of ["viewer", "editor", "admin"] as const) {
    tokens[role] = (await createApiToken({ name: `uif-${role}`, role, createdById: null })).token;
  }
  await insertTestItems();
  configId = await activateCountConfig(K);
  // "early" is sealed long before the others; "late" gets partitions sealed on days 300+.
  await ingestAndPartition(
    [
      ...userEvents("early", 3 * K + 1, 0),
      ...userEvents("mid", 4 * K + 1, 100),
      ...userEvents("late", 3 * K + 1, 300),
      ...userEvents("lonely", K - 1, 50),
    ],
    configId,
  );
  await summariseUsers({ kind: "cascade" });
});
afterAll(() => offSummariesWritten("uif-encode"));

type Handler = (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

async function call(
  handler: Handler,
  as: Role | null,
  url: string,
  opts: { body?: unknown; params?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = as ? { authorization: `Bearer ${tokens[as]}` } : {};
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const req = new NextRequest(`http://localhost${url}`, {
    method: opts.body === undefined ? "GET" : "POST",
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  return handler(req, { params: Promise.resolve(opts.params ?? {}) });
}

async function json(
  handler: Handler,
  as: Role | null,
  url: string,
  opts: { body?: unknown; params?: Record<string, string> } = {},
) {
  const res = await call(handler, as, url, opts);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Partitions of a user: seq, sealed_at (ms). */
async function sealed(user: string): Promise<{ seq: number; sealedAt: number }[]> {
  const { rows } = await pool().query<{ seq: number; ms: number }>(
    `SELECT p.seq, (extract(epoch FROM p.sealed_at_ts) * 1000)::float8 AS ms FROM partitions p JOIN users u ON u.id = p.user_id
     WHERE u.external_id = $1 AND p.config_id = $2 ORDER BY seq`,
    [user, configId],
  );
  return rows.map((r) => ({ seq: r.seq, sealedAt: r.ms }));
}

/** Summary and shift texts of every partition sealed strictly before t: what an as-of IDF may see. */
async function textsSealedBefore(t: number): Promise<string[]> {
  const { rows } = await pool().query<{ summary: string; shift: string | null }>(
    `SELECT s.summary, s.shift FROM partition_summaries s JOIN partitions p
       ON p.user_id = s.user_id AND p.config_id = s.config_id AND p.seq = s.seq AND p.content_hash = s.partition_content_hash
     WHERE s.status = 'ok' AND p.sealed_at_ts < $1`,
    [new Date(t)],
  );
  return rows.flatMap((r) => (r.shift ? [r.summary, r.shift] : [r.summary]));
}

describe("roles and the encoders API", () => {
  it("a viewer reads but cannot trigger; an editor fits and encodes", async () => {
    expect((await json(listEncodersRoute, "viewer", "/api/uif/encoders")).status).toBe(200);
    expect((await json(encodersRoute, "viewer", "/api/uif/encoders", { body: { action: "encode" } })).status).toBe(403);
    expect((await json(encodersRoute, null, "/api/uif/encoders", { body: { action: "encode" } })).status).toBe(401);
    const encoded = await json(encodersRoute, "editor", "/api/uif/encoders", { body: { action: "encode" } });
    expect(encoded.status).toBe(200);
    const result = encoded.body as EncodeResult;
    const { rows } = await pool().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM partition_summaries WHERE status = 'ok'`,
    );
    expect(result.encoded).toBeGreaterThan(0);
    expect(result.encoder.kind).toBe("builtin");
    // One summary vector per summarised partition, plus a shift vector where there is a shift.
    const { rows: v } = await pool().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM uif_partition_vectors WHERE text_kind = 'summary'`,
    );
    expect(v[0]!.n).toBe(rows[0]!.n);
    // Again: nothing left to encode.
    const again = (await json(encodersRoute, "editor", "/api/uif/encoders", { body: { action: "encode" } }))
      .body as EncodeResult;
    expect(again.encoded).toBe(0);
    expect(again.skipped).toBe(rows[0]!.n);
    expect((await json(encodersRoute, "editor", "/api/uif/encoders", { body: { action: "nope" } })).status).toBe(422);
  });
});

describe("as-of features without leakage", () => {
  it("a user with no sealed partition: 200, empty vectors, a reason", async () => {
    const { status, body } = await json(
      featuresRoute,
      "viewer",
      `/api/users/lonely/features?asOf=${Date.UTC(2030, 0, 1)}`,
      { params: { id: "lonely" } },
    );
    expect(status).toBe(200);
    const f = body as UserFeatures;
    expect(f.partitions).toEqual([]);
    expect(f.fused.every((x) => x === 0)).toBe(true);
    expect(f.reason?.code).toBe("no_sealed_partitions");
    const unknown = await json(featuresRoute, "viewer", `/api/users/nobody/features?asOf=2020-01-01T00:00:00Z`, {
      params: { id: "nobody" },
    });
    expect(unknown.status).toBe(404);
    const bad = await json(featuresRoute, "viewer", `/api/users/early/features?asOf=yesterday`, {
      params: { id: "early" },
    });
    expect(bad.status).toBe(422);
  });

  it("nothing sealed at or after asOf leaks: partitions, summaries, IDF statistics", async () => {
    const mid = await sealed("mid");
    const t = mid[2]!.sealedAt; // asOf = exactly the seal time of mid's third partition
    // A version fitted on everything exists (from the encode above); it must not be used at t.
    const fit = await json(encodersRoute, "editor", "/api/uif/encoders", {
      body: { action: "fit", asOf: new Date(t).toISOString() },
    });
    expect(fit.status).toBe(200);
    const asOfVersion = (fit.body as FitResult).encoder;
    expect(asOfVersion.fittedUntil).toBe(new Date(t).toISOString());

    // The stored IDF is exactly the one fitted on texts of partitions sealed strictly before t.
    const allowed = await textsSealedBefore(t);
    expect(asOfVersion.idfDocuments).toBe(allowed.length);
    const expectedEncoder = new BuiltinEncoder(fitIdf(allowed));
    expect(asOfVersion.version).toBe(expectedEncoder.version);
    // ...and differs from one that also saw the partition sealed at exactly t.
    expect(new BuiltinEncoder(fitIdf(await textsSealedBefore(t + 1))).version).not.toBe(expectedEncoder.version);

    const { status, body } = await json(featuresRoute, "viewer", `/api/users/mid/features?asOf=${t}`, {
      params: { id: "mid" },
    });
    expect(status).toBe(200);
    const f = body as UserFeatures;
    expect(f.reason).toBeNull();
    expect(f.encoder!.id).toBe(asOfVersion.id);
    expect(new Date(f.encoder!.fittedUntil!).getTime()).toBeLessThanOrEqual(t);
    expect(f.partitions.map((p) => p.seq)).toEqual([mid[0]!.seq, mid[1]!.seq]);
    for (const p of f.partitions) expect(new Date(p.sealedAt).getTime()).toBeLessThan(t);
    expect(f.partitions.reduce((s, p) => s + p.weight, 0)).toBeCloseTo(1, 9);
    expect(Math.hypot(...f.fused)).toBeCloseTo(1, 5);
    expect(f.prompt.id).toBeGreaterThan(0);
    expect(f.config.id).toBe(configId);

    // The vectors are the as-of encoder's encoding of the summaries of those partitions.
    const { rows } = await pool().query<{ summary: string }>(
      `SELECT s.summary FROM partition_summaries s WHERE s.id = ANY($1::int[]) ORDER BY s.seq`,
      [f.partitions.map((p) => p.summaryId)],
    );
    const expected = await expectedEncoder.encode(rows.map((r) => r.summary));
    f.partitions.forEach((p, i) => p.summary.forEach((x, d) => expect(x).toBeCloseTo(expected[i]![d]!, 6)));

    // One millisecond later the third partition is in.
    const after = (
      await json(featuresRoute, "viewer", `/api/users/mid/features?asOf=${t + 1}`, { params: { id: "mid" } })
    ).body as UserFeatures;
    expect(after.partitions.map((p) => p.seq)).toEqual([mid[0]!.seq, mid[1]!.seq, mid[2]!.seq]);

    // Asking at t for the version fitted on everything: refused (409), not silently used.
    const { rows: newest } = await pool().query<{ id: number }>(
      `SELECT id FROM uif_encoder_versions WHERE fitted_until > $1 ORDER BY id LIMIT 1`,
      [new Date(t)],
    );
    const refused = await json(featuresRoute, "viewer", `/api/users/mid/features?asOf=${t}&encoder=${newest[0]!.id}`, {
      params: { id: "mid" },
    });
    expect(refused.status).toBe(409);

    // Before any as-of version exists: a clear reason, not a 500.
    const early = await sealed("early");
    const none = (
      await json(featuresRoute, "viewer", `/api/users/early/features?asOf=${early[1]!.sealedAt}`, {
        params: { id: "early" },
      })
    ).body as UserFeatures;
    expect(none.reason?.code).toBe("no_encoder");
    expect(none.partitions).toEqual([]);
  });
});

describe("vector encodings on the wire", () => {
  it("base64 float32 decodes to the same vectors as JSON numbers", async () => {
    const url = (v: string) => `/api/users/mid/features?asOf=2030-01-01T00:00:00Z&vectors=${v}`;
    const a = (await json(featuresRoute, "viewer", url("json"), { params: { id: "mid" } })).body as UserFeatures;
    const b = (await json(featuresRoute, "viewer", url("base64"), { params: { id: "mid" } }))
      .body as UserFeatures<string>;
    expect(b.vectors).toBe("base64");
    const decode = (s: string) => Array.from(new Float32Array(Uint8Array.from(Buffer.from(s, "base64")).buffer));
    expect(decode(b.fused)).toEqual(a.fused.map(Math.fround));
    expect(decode(b.partitions[1]!.summary)).toEqual(a.partitions[1]!.summary.map(Math.fround));
    expect(b.partitions.map((p) => p.weight)).toEqual(a.partitions.map((p) => p.weight));
  });
});

describe("encoding follows summarisation", () => {
  it("new partitions get vectors after their summaries, nothing is re-encoded, same text reuses the vector", async () => {
    enableEncodingAfterSummaries();
    const before = await pool().query<{ id: number; created_at: Date }>(
      `SELECT id, created_at FROM uif_partition_vectors ORDER BY id`,
    );
    await ingestAndPartition(userEvents("fresh", 2 * K + 1, 500), configId);
    await summariseUsers({ kind: "ingest" });
    const { rows } = await pool().query<{ seq: number; text_kind: string; encoder_version_id: number }>(
      `SELECT v.seq, v.text_kind, v.encoder_version_id FROM uif_partition_vectors v JOIN users u ON u.id = v.user_id WHERE u.external_id = 'fresh' ORDER BY seq, text_kind`,
    );
    expect(rows.filter((r) => r.text_kind === "summary").map((r) => r.seq)).toEqual([0, 1]);
    const after = await pool().query<{ id: number; created_at: Date }>(
      `SELECT id, created_at FROM uif_partition_vectors WHERE id = ANY($1::bigint[]) ORDER BY id`,
      [before.rows.map((r) => r.id)],
    );
    expect(after.rows).toEqual(before.rows); // old vectors untouched

    // Same (text hash, encoder version) never encoded twice: duplicates share one vector.
    const { rows: dup } = await pool().query<{ n: number; distinct_vectors: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT vector)::int AS distinct_vectors FROM uif_partition_vectors GROUP BY encoder_version_id, text_hash HAVING count(*) > 1 LIMIT 1`,
    );
    expect(dup[0], "the builtin summaries repeat some texts (e.g. the first partition's shift)").toBeDefined();
    expect(dup[0]!.distinct_vectors).toBe(1);
  });
});

describe("views", () => {
  it("vectors: heatmap columns, drift, weights; population and neighbours", async () => {
    const v = await json(vectorsRoute, "viewer", `/api/users/mid/vectors?top=8&limit=3`, { params: { id: "mid" } });
    expect(v.status).toBe(200);
    expect(v.body.dimensions).toHaveLength(8);
    expect(v.body.total).toBe(4);
    expect(v.body.columns).toHaveLength(3);
    expect(v.body.offset).toBe(1);
    expect(v.body.columns[0].values).toHaveLength(8);
    expect(typeof v.body.columns[0].drift).toBe("number");
    expect(v.body.columns[0].summary).toBeTruthy();

    const p = await json(populationRoute, "viewer", `/api/uif/population?projection=pca&color=dominantCategory`);
    expect(p.status).toBe(200);
    expect(p.body.points.map((x: { user: string }) => x.user).sort()).toEqual(["early", "fresh", "late", "mid"]);
    expect(p.body.points[0].color).toBeTruthy();

    const n = await json(neighboursRoute, "viewer", `/api/users/mid/neighbours?k=2`, { params: { id: "mid" } });
    expect(n.status).toBe(200);
    expect(n.body.neighbours).toHaveLength(2);
    expect(n.body.neighbours[0].similarity).toBeGreaterThanOrEqual(n.body.neighbours[1].similarity);
    expect(n.body.neighbours.map((x: { user: string }) => x.user)).not.toContain("mid");
  });
});

describe("demo seeding's encoding step", () => {
  it("leaves a vector for every summarised partition and the population UMAP stored", async () => {
    const lines: string[] = [];
    await encodeDemoData((l) => lines.push(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^demo data: [\d,]+ partition vectors \(builtin-tfidf\/d256\/idf:[0-9a-f]{12}\), population map computed in /,
    );
    const { rows } = await pool().query<{ missing: number; umap: number }>(
      `SELECT (SELECT count(*)::int FROM partition_summaries s WHERE s.status = 'ok' AND NOT EXISTS (
                 SELECT 1 FROM uif_partition_vectors v WHERE v.summary_id = s.id AND v.text_kind = 'summary'
                   AND v.encoder_version_id = (SELECT id FROM uif_encoder_versions WHERE kind = 'builtin' ORDER BY fitted_until DESC, id DESC LIMIT 1))) AS missing,
              (SELECT count(*)::int FROM uif_projections WHERE method = 'umap') AS umap`,
    );
    expect(rows[0]).toEqual({ missing: 0, umap: 1 });
    const p = await json(populationRoute, "viewer", `/api/uif/population?projection=umap`);
    expect(p.body).toMatchObject({ projection: "umap", cached: true, pending: false });
  });
});

describe("export through the API, read back", () => {
  const asOf = new Date(Date.UTC(2030, 0, 1)).toISOString();
  it("csv, jsonl, npy and parquet agree with the features API", async () => {
    const features = await getUserFeatures("mid", { asOf: new Date(asOf) });
    const csvRes = await call(exportRoute, "viewer", `/api/uif/export?asOf=${asOf}&format=csv&users=mid,lonely`);
    expect(csvRes.status).toBe(200);
    expect(csvRes.headers.get("content-disposition")).toMatch(/attachment; filename="liber-features-.*\.csv"/);
    const lines = (await csvRes.text()).trim().split("\n");
    expect(lines).toHaveLength(3);
    const mid = lines[1]!.split(",");
    expect(mid[0]).toBe("mid");
    expect(Number(mid[2])).toBe(features.partitions.length);
    mid.slice(7).forEach((x, d) => expect(Number(x)).toBeCloseTo(features.fused[d]!, 6));
    expect(lines[2]!.split(",")[2]).toBe("0"); // lonely: no partition, zeros

    const jsonl = (
      await (await call(exportRoute, "viewer", `/api/uif/export?asOf=${asOf}&format=jsonl&users=mid`)).text()
    )
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(jsonl[0].weights.map((w: { seq: number }) => w.seq)).toEqual(features.partitions.map((p) => p.seq));

    const npy = new Uint8Array(
      await (
        await call(exportRoute, "viewer", `/api/uif/export?asOf=${asOf}&format=npy&users=mid,early`)
      ).arrayBuffer(),
    );
    const headerLen = npy[8]! | (npy[9]! << 8);
    expect(new TextDecoder().decode(npy.slice(10, 10 + headerLen))).toContain(`'shape': (2, ${features.dims})`);
    const matrix = new Float32Array(npy.slice(10 + headerLen).buffer);
    expect(matrix.length).toBe(2 * features.dims);
    features.fused.forEach((x, d) => expect(matrix[d]).toBeCloseTo(x, 6));

    const pq = await (await call(exportRoute, "viewer", `/api/uif/export?asOf=${asOf}&format=parquet`)).arrayBuffer();
    const objs = await parquetReadObjects({ file: pq });
    const row = objs.find((o) => o.user === "mid")!;
    expect(row.n_partitions).toBe(features.partitions.length);
    expect(row.f0).toBeCloseTo(features.fused[0]!, 6);
    expect(row.encoder_version).toBe(features.encoder!.version);

    expect((await call(exportRoute, "viewer", `/api/uif/export?asOf=${asOf}&format=csv&users=ghost`)).status).toBe(404);
    expect((await call(exportRoute, "viewer", `/api/uif/export?asOf=${asOf}&format=xls`)).status).toBe(422);
  });
});

describe("openai encoder against the test server", () => {
  let server: TestLlmServer;
  let overrides: EncoderOverrides;
  beforeAll(async () => {
    server = await startTestLlmServer();
    overrides = {
      openai: {
        baseURL: server.baseURL,
        model: "text-embedding-3-small",
        dimensions: 16,
        batchSize: 5,
        apiKey: "sk-test-SECRET-123456",
        clock: manualClock(),
        random: () => 0.5,
        retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50, maxRetryAfterMs: 60_000 },
      },
    };
  });
  afterAll(async () => {
    await server?.close();
  });

  it("batches, retries 429 (Retry-After) and 500, traces tokens and cost, caches by text hash", async () => {
    await pool().query(
      `INSERT INTO llm_prices (provider, model, input_per_mtok, output_per_mtok) VALUES ('openai', 'text-embedding-3-small', 0.02, 0)
       ON CONFLICT (provider, model) DO UPDATE SET input_per_mtok = 0.02`,
    );
    const row = await ensureOpenAiEncoderVersion(overrides);
    expect(row.version).toMatch(/^openai\/text-embedding-3-small\/d16@/);
    server.enqueueEmbeddings(
      { type: "error", status: 429, body: { error: { message: "slow down" } }, headers: { "retry-after": "2" } },
      { type: "error", status: 500, body: { error: { message: "boom" } } },
    );
    const scope = await resolveScope();
    const result = await encodeMissing(row, { scope, userIds: null }, overrides);
    expect(result.encoded).toBeGreaterThan(0);
    const calls = server.requests.filter((r) => r.path.endsWith("/embeddings"));
    const bodies = calls.map((r) => r.body as { input: string[]; dimensions: number; model: string });
    expect(
      bodies.every((b) => b.input.length <= 5 && b.dimensions === 16 && b.model === "text-embedding-3-small"),
    ).toBe(true);
    expect(calls[0]!.headers.authorization).toBe("Bearer sk-test-SECRET-123456");

    const { rows: traces } = await pool().query<{
      status: string;
      attempts: { status: string; waitedMs?: number; httpStatus?: number }[];
      prompt_tokens: number;
      cost_usd: number | null;
      texts: number;
    }>(`SELECT status, attempts, prompt_tokens, cost_usd, texts FROM uif_embedding_calls ORDER BY id`);
    const retried = traces.filter((t) => t.attempts.length > 1);
    expect(retried.length).toBeGreaterThan(0);
    const allAttempts = traces.flatMap((t) => t.attempts);
    expect(allAttempts.some((a) => a.httpStatus === 429 && a.waitedMs === 2000)).toBe(true);
    expect(allAttempts.some((a) => a.httpStatus === 500 && a.status === "retry")).toBe(true);
    expect(traces.every((t) => t.status === "ok")).toBe(true);
    // Tokens as the server reported them for the answered requests (a retried batch counts once), priced from llm_prices.
    const sent = [...new Set(bodies.flatMap((b) => b.input))];
    const tokens = traces.reduce((s, t) => s + t.prompt_tokens, 0);
    expect(tokens).toBe(testEmbeddingTokens(sent));
    expect(traces.reduce((s, t) => s + (t.cost_usd ?? 0), 0)).toBeCloseTo((tokens * 0.02) / 1e6, 12);
    expect(traces.reduce((s, t) => s + t.texts, 0)).toBe(sent.length);
    expect(JSON.stringify(traces)).not.toContain("SECRET");

    // The stored vector is the server's (normalised).
    const { rows: one } = await pool().query<{ vector: Buffer; summary: string }>(
      `SELECT v.vector, s.summary FROM uif_partition_vectors v JOIN partition_summaries s ON s.id = v.summary_id
       WHERE v.encoder_version_id = $1 AND v.text_kind = 'summary' LIMIT 1`,
      [row.id],
    );
    const raw = testEmbedding(one[0]!.summary, 16);
    const norm = Math.hypot(...raw);
    Array.from(bytesToVector(one[0]!.vector)).forEach((x, d) => expect(x).toBeCloseTo(raw[d]! / norm, 5));

    // A fresh version row with the cache warm: no request, vectors from the cache.
    const requestsBefore = server.requests.length;
    await pool().query(`DELETE FROM uif_partition_vectors WHERE encoder_version_id = $1`, [row.id]);
    const again = await encodeMissing(row, { scope, userIds: null }, overrides);
    expect(again.encoded).toBe(result.encoded);
    expect(server.requests.length).toBe(requestsBefore);

    // Features with the openai encoder: any asOf (not fitted on our data).
    const f = await getUserFeatures("mid", { asOf: new Date(Date.UTC(2030, 0, 1)), encoder: "openai" }, overrides);
    expect(f.encoder!.kind).toBe("openai");
    expect(f.dims).toBe(16);
    expect(f.partitions.length).toBe(4);
  });

  it("a failure that outlasts the retries is traced and thrown, never cached", async () => {
    const row = await ensureOpenAiEncoderVersion(overrides);
    await ingestAndPartition(userEvents("openai-fail", K + 1, 700), configId);
    await summariseUsers({ kind: "cascade" });
    const scope = await resolveScope();
    server.enqueueEmbeddings(
      ...Array.from({ length: 3 }, () => ({
        type: "error" as const,
        status: 500,
        body: { error: { message: "down" } },
      })),
    );
    const { rows: u } = await pool().query<{ id: number }>(`SELECT id FROM users WHERE external_id = 'openai-fail'`);
    await expect(encodeMissing(row, { scope, userIds: [u[0]!.id] }, overrides)).rejects.toThrow(
      /http.*gave up after 3 attempts/,
    );
    const { rows } = await pool().query<{ status: string; error_kind: string }>(
      `SELECT status, error_kind FROM uif_embedding_calls ORDER BY id DESC LIMIT 1`,
    );
    expect(rows[0]).toEqual({ status: "failed", error_kind: "http" });
    const { rows: vec } = await pool().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM uif_partition_vectors WHERE encoder_version_id = $1 AND user_id = $2`,
      [row.id, u[0]!.id],
    );
    expect(vec[0]!.n).toBe(0);
  });
});

describe("stored builtin versions restore exactly", () => {
  it("the restored encoder of a version reproduces its stored vectors", async () => {
    const { rows } = await pool().query<{ encoder_version_id: number; vector: Buffer; summary: string }>(
      `SELECT v.encoder_version_id, v.vector, s.summary FROM uif_partition_vectors v JOIN partition_summaries s ON s.id = v.summary_id
       JOIN uif_encoder_versions e ON e.id = v.encoder_version_id WHERE e.kind = 'builtin' AND v.text_kind = 'summary' LIMIT 5`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      const enc = await loadBuiltinEncoder((await getEncoderVersion(r.encoder_version_id))!);
      const [v] = await enc.encode([r.summary]);
      expect(Buffer.from(bytesToVector(r.vector).buffer).equals(Buffer.from(v!.buffer))).toBe(true);
    }
  });
});

describe("features: vectors=none and the per-process cache", () => {
  const text = async (user: string, query: string) => {
    const res = await call(featuresRoute, "viewer", `/api/users/${user}/features?${query}`, { params: { id: user } });
    expect(res.status).toBe(200);
    return res.text();
  };
  afterAll(() => setFeatureCacheBudget(256 * 1024 * 1024));

  it("vectors=none: the same fused vector and weights as json, partition vectors null", async () => {
    const q = "asOf=2030-01-01T00:00:00Z";
    const a = JSON.parse(await text("mid", `${q}&vectors=json`)) as UserFeatures;
    const noneText = await text("mid", `${q}&vectors=none`);
    const b = JSON.parse(noneText) as UserFeatures<number[], null>;
    expect(b.vectors).toBe("none");
    expect(b.partitions.length).toBeGreaterThan(1);
    expect(b.fused).toEqual(a.fused);
    expect(b.partitions.map(({ seq, weight, ageDays, summaryId }) => ({ seq, weight, ageDays, summaryId }))).toEqual(
      a.partitions.map(({ seq, weight, ageDays, summaryId }) => ({ seq, weight, ageDays, summaryId })),
    );
    expect(b.partitions.every((p) => p.summary === null && p.shift === null)).toBe(true);
    expect(noneText.length).toBeLessThan(JSON.stringify(a).length / 3);
    expect(
      (await call(featuresRoute, "viewer", `/api/users/mid/features?${q}&vectors=csv`, { params: { id: "mid" } }))
        .status,
    ).toBe(422);
  });

  it("limit=P lists the latest P partitions and says how many were left out; fused and weights unchanged", async () => {
    const q = "asOf=2030-01-01T00:00:00Z&vectors=base64";
    const all = JSON.parse(await text("mid", q)) as UserFeatures<string>;
    expect(all.omitted).toBeUndefined(); // the default answer is unchanged
    expect(all.partitions.length).toBeGreaterThan(2);
    const two = JSON.parse(await text("mid", `${q}&limit=2`)) as UserFeatures<string>;
    expect(two.omitted).toBe(all.partitions.length - 2);
    expect(two.partitions).toEqual(all.partitions.slice(-2));
    expect(two.fused).toBe(all.fused);
    const wide = JSON.parse(await text("mid", `${q}&limit=1000`)) as UserFeatures<string>;
    expect(wide.omitted).toBe(0);
    expect(wide.partitions).toEqual(all.partitions);
    expect(
      (await call(featuresRoute, "viewer", `/api/users/mid/features?${q}&limit=0`, { params: { id: "mid" } })).status,
    ).toBe(422);
  });

  it("answers byte for byte as with the cache off, at and around every seal time (no leakage through the cache)", async () => {
    const seals = await sealed("mid");
    const asOfs = [...seals.flatMap((s) => [s.sealedAt, s.sealedAt + 1]), Date.UTC(2030, 0, 1)];
    const answers = async () => {
      const out: string[] = [];
      for (const t of asOfs)
        for (const v of ["json", "base64", "none"]) out.push(await text("mid", `asOf=${t}&vectors=${v}`));
      return out;
    };
    setFeatureCacheBudget(256 * 1024 * 1024);
    await text("mid", "asOf=2030-01-01T00:00:00Z"); // fills the entry with the user's whole set
    const cached = await answers();
    setFeatureCacheBudget(0);
    const uncached = await answers();
    expect(cached).toEqual(uncached);
    // The partition sealed at exactly t is out; at t + 1 ms it is in (when an encoder version is usable then).
    let checked = 0;
    seals.forEach((s, k) => {
      const at = JSON.parse(cached[3 * 2 * k]!) as UserFeatures;
      const after = JSON.parse(cached[3 * (2 * k + 1)]!) as UserFeatures;
      expect(at.partitions.map((p) => p.seq)).not.toContain(s.seq);
      if (after.reason === null) {
        expect(after.partitions.map((p) => p.seq)).toContain(s.seq);
        checked++;
      }
    });
    expect(checked).toBeGreaterThan(0);
    // The text is canonical JSON of its object (what JSON.stringify of the answer gives).
    for (const t of cached) expect(JSON.stringify(JSON.parse(t))).toBe(t);
  });

  it("a cached user whose partitions, summaries or vectors change is read again, never served stale", async () => {
    setFeatureCacheBudget(256 * 1024 * 1024);
    const q = "asOf=2030-01-01T00:00:00Z&vectors=none";
    await ingestAndPartition(userEvents("grower", 2 * K + 1, 700), configId);
    await summariseUsers({ kind: "cascade" });
    const first = JSON.parse(await text("grower", q)) as UserFeatures<number[], null>;
    expect(first.partitions).toHaveLength(2);
    expect(JSON.parse(await text("grower", q))).toEqual(first); // served from the cache
    // Re-partitioning (delete + re-insert) with two more sealed partitions, then summaries: vectors follow on the fly.
    await ingestAndPartition(userEvents("grower", 2 * K, 700 + 2 * K + 1), configId);
    const unsummarised = JSON.parse(await text("grower", q)) as UserFeatures<number[], null>;
    expect(unsummarised.partitions).toHaveLength(2);
    expect(unsummarised.missing.withoutSummary).toBe(2);
    await summariseUsers({ kind: "cascade" });
    const grown = JSON.parse(await text("grower", q)) as UserFeatures<number[], null>;
    expect(grown.partitions).toHaveLength(4);
    expect(grown.missing).toEqual({ withoutSummary: 0, withoutVector: 0 });
    setFeatureCacheBudget(0);
    expect(await text("grower", q)).toBe(JSON.stringify(grown));
  });
});
