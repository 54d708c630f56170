import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/db";
import { GET as listImports } from "../../app/api/imports/route";
import { POST } from "../../app/api/behaviors/route";
import { createApiToken } from "../auth/api-tokens";
import { pool } from "../db/client";
import { MAX_BODY_BYTES } from "./body";

useTestDatabase();

let editor = "";
let viewer = "";
beforeAll(async () => {
  editor = (await createApiToken({ name: "test editor", role: "editor", createdById: null })).token;
  viewer = (await createApiToken({ name: "test viewer", role: "viewer", createdById: null })).token;
  await pool().query(`INSERT INTO items (external_id, title) VALUES ('i1', 'One'), ('i2', 'Two')`);
  await pool().query(`INSERT INTO users (external_id) VALUES ('alice')`);
});

const params = { params: Promise.resolve({}) };
function post(
  body: string | Uint8Array | ReadableStream,
  opts: { query?: string; contentType?: string; token?: string; headers?: Record<string, string> } = {},
) {
  const req = new NextRequest(`http://127.0.0.1:3000/api/behaviors${opts.query ?? ""}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${opts.token ?? editor}`,
      "content-type": opts.contentType ?? "application/json",
      ...opts.headers,
    },
    body,
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as ConstructorParameters<typeof NextRequest>[1]);
  return POST(req, params);
}
const count = async (where = "true") =>
  (await pool().query(`SELECT count(*)::int AS n FROM behaviors WHERE ${where}`)).rows[0].n as number;
const ev = (n: number, extra: Record<string, unknown> = {}) => ({
  user: "alice",
  item: "i1",
  ts: 1_700_000_000_000 + n,
  kind: "click",
  ...extra,
});

describe("POST /api/behaviors", () => {
  it("writes new events without asking first, and still counts the logged ones among them", async () => {
    // A source with no repeats lately: the request's COPY meets the logged events in the unique
    // index and goes through the staging merge; the next request of that source asks first.
    const source = { source: "optimistic", user: "olivia" };
    const query = "?createUsers=true";
    const first = await post(JSON.stringify([ev(10, source), ev(11, source)]), { query });
    expect(await first.json()).toMatchObject({ accepted: 2, duplicate: 0 });
    for (const [sent, expected] of [
      [[ev(10, source), ev(12, source), ev(11, source), ev(13, source)], { accepted: 2, duplicate: 2 }],
      [[ev(13, source), ev(14, source)], { accepted: 1, duplicate: 1 }],
    ] as const) {
      const res = await post(JSON.stringify(sent), { query });
      expect(await res.json()).toEqual({ ...expected, rejected: 0, errors: [] });
    }
    expect(await count("source = 'optimistic'")).toBe(5);
    const { rows } = await pool().query(
      `SELECT u.event_count,
              s.events_seen
         FROM users u JOIN partition_states s ON s.user_id = u.id WHERE u.external_id = 'olivia'`,
    );
    // The partition state has seen every logged event of olivia's, once.
    expect(rows).toEqual([{ event_count: 5, events_seen: 5 }]);
  });

  it("stores valid events and treats a resend as duplicates", async () => {
    const body = JSON.stringify([
      ev(1),
      ev(2, { value: 4.5, item: "i2" }),
      ev(3, { ts: "2024-05-01T12:00:00Z", sourceEventId: "x-3" }),
    ]);
    const res = await post(body);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 3, duplicate: 0, rejected: 0, errors: [] });
    const again = await post(body);
    expect(await again.json()).toEqual({ accepted: 0, duplicate: 3, rejected: 0, errors: [] });
    expect(await count("source = 'api'")).toBe(3);
    const alice = (
      await pool().query(`SELECT event_count, first_event_at, last_event_at FROM users WHERE external_id = 'alice'`)
    ).rows[0];
    expect(alice).toEqual({
      event_count: 3,
      first_event_at: new Date("2023-11-14T22:13:20.001Z"),
      last_event_at: new Date("2024-05-01T12:00:00Z"),
    });
    const run = (
      await pool().query(
        `SELECT source, status, inserted, duplicates, options FROM import_runs ORDER BY id DESC LIMIT 1`,
      )
    ).rows[0];
    expect(run).toMatchObject({
      source: "api",
      status: "succeeded",
      inserted: 0,
      duplicates: 3,
      options: { mode: "atomic", caller: "token:test editor" },
    });
  });

  it("is all-or-nothing by default: one bad event (or unknown item/user) and nothing is written (422)", async () => {
    const before = await count();
    const res = await post(
      JSON.stringify([ev(10), ev(11, { kind: "Bad Kind" }), ev(12, { item: "nope" }), ev(13, { user: "bob" })]),
    );
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body).toMatchObject({ accepted: 0, duplicate: 0, rejected: 3, error: { code: "unprocessable" } });
    expect(body.errors).toEqual([
      { index: 1, message: expect.stringMatching(/^kind:/) },
      { index: 2, message: 'unknown item "nope"' },
      { index: 3, message: 'unknown user "bob"' },
    ]);
    expect(await count()).toBe(before);
    // only database-level problems (no invalid field): still nothing written
    const res2 = await post(JSON.stringify([ev(14), ev(15, { item: "nope" })]));
    expect(res2.status).toBe(422);
    expect(await count()).toBe(before);
  });

  it("with ?mode=partial stores the valid events and reports the rest", async () => {
    const res = await post(
      JSON.stringify([ev(20), ev(21, { value: "high" }), ev(22, { item: "nope" }), ev(23, { user: "carol" })]),
      {
        query: "?mode=partial",
      },
    );
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ accepted: 1, duplicate: 0, rejected: 3 });
    expect(body.errors.map((e: { index: number }) => e.index)).toEqual([1, 2, 3]);
    // Recorded by the transaction that wrote the event, with every error in request order.
    const run = (
      await pool().query(
        `SELECT status, rows_read, inserted, rejected, errors, error_message, duration_ms >= 0 AS timed,
                finished_at >= started_at AS ordered FROM import_runs ORDER BY id DESC LIMIT 1`,
      )
    ).rows[0];
    expect(run).toMatchObject({ status: "succeeded", rows_read: 4, inserted: 1, rejected: 3, error_message: null });
    expect(run.errors).toEqual(
      body.errors.map((e: { index: number; message: string }) => ({
        file: "request",
        line: e.index,
        reason: e.message,
      })),
    );
    expect(run).toMatchObject({ timed: true, ordered: true });
  });

  it("records runs whose errors quote the input (quotes, backslashes), stored or refused", async () => {
    const odd = "it's \\ odd";
    const reason = `unknown item "${odd}"`;
    const lastRun = async () =>
      (await pool().query(`SELECT status, inserted, rejected, errors FROM import_runs ORDER BY id DESC LIMIT 1`))
        .rows[0];
    // Partial: the valid event is stored and the run written in the same transaction.
    const stored = await post(JSON.stringify([ev(40), ev(41, { item: odd })]), { query: "?mode=partial" });
    expect(stored.status).toBe(200);
    expect(await lastRun()).toEqual({
      status: "succeeded",
      inserted: 1,
      rejected: 1,
      errors: [{ file: "request", line: 1, reason }],
    });
    // All-or-nothing: refused (422), recorded on its own as a failed run.
    const refused = await post(JSON.stringify([ev(42, { item: odd })]));
    expect(refused.status).toBe(422);
    expect(await lastRun()).toEqual({
      status: "failed",
      inserted: 0,
      rejected: 1,
      errors: [{ file: "request", line: 0, reason }],
    });
  });

  it("creates unknown users with ?createUsers=true, and reads NDJSON", async () => {
    const ndjson =
      [ev(30, { user: "dave" }), ev(31, { user: "dave", item: "i2" })].map((e) => JSON.stringify(e)).join("\n") + "\n";
    const res = await post(ndjson, { query: "?createUsers=true", contentType: "application/x-ndjson" });
    expect(await res.json()).toEqual({ accepted: 2, duplicate: 0, rejected: 0, errors: [] });
    expect((await pool().query(`SELECT event_count FROM users WHERE external_id = 'dave'`)).rows[0]).toEqual({
      event_count: 2,
    });
  });

  it("answers 400 to a body that is not JSON, and 413 to too much", async () => {
    const notJson = await post("{not json");
    expect(notJson.status).toBe(400);
    expect((await notJson.json()).error.message).toMatch(/not valid JSON/);
    expect((await post('{"user":"alice"}')).status).toBe(400);

    const tooMany = await post(JSON.stringify(Array.from({ length: 50_001 }, () => 0)));
    expect(tooMany.status).toBe(413);

    // a streamed body without Content-Length, larger than the cap
    const chunk = new Uint8Array(1024 * 1024).fill(0x20);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent > MAX_BODY_BYTES + chunk.length) return c.close();
        sent += chunk.length;
        c.enqueue(chunk);
      },
    });
    const tooBig = await post(stream);
    expect(tooBig.status).toBe(413);
    expect(sent).toBeLessThan(MAX_BODY_BYTES + 3 * chunk.length); // stopped reading at the cap
  });

  it("needs an editor", async () => {
    expect((await post("[]", { token: viewer })).status).toBe(403);
  });
});

describe("GET /api/imports", () => {
  it("lists runs newest first, a page at a time", async () => {
    const req = (q: string) =>
      listImports(
        new NextRequest(`http://127.0.0.1:3000/api/imports${q}`, { headers: { authorization: `Bearer ${viewer}` } }),
        params,
      );
    const all = await (await req("?pageSize=200")).json();
    expect(all.total).toBeGreaterThanOrEqual(5);
    const ids = all.runs.map((r: { id: number }) => r.id);
    expect(ids).toEqual([...ids].sort((a: number, b: number) => b - a));
    const page2 = await (await req("?pageSize=2&page=2")).json();
    expect(page2).toMatchObject({ page: 2, pageSize: 2, total: all.total });
    expect(page2.runs.map((r: { id: number }) => r.id)).toEqual(ids.slice(2, 4));
    const failed = await (await req("?status=failed")).json();
    expect(failed.runs.every((r: { status: string }) => r.status === "failed")).toBe(true);
    expect(failed.runs[0]).toMatchObject({ source: "api", errorMessage: expect.stringMatching(/nothing was written/) });
    expect((await req("?pageSize=0")).status).toBe(422);
  });
});
