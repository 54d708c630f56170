import { execFile } from "node:child_process";
import { pathToFileURL } from "node:url";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as accountsRoute from "../app/api/accounts/route";
import * as accountRoute from "../app/api/accounts/[id]/route";
import * as setupRoute from "../app/api/auth/setup/route";
import * as signInRoute from "../app/api/auth/sign-in/route";
import * as behaviorsRoute from "../app/api/behaviors/route";
import * as configActivateRoute from "../app/api/partition-configs/[id]/activate/route";
import * as configRecomputeRoute from "../app/api/partition-configs/[id]/recompute/route";
import * as configPreviewRoute from "../app/api/partition-configs/preview/route";
import * as configsRoute from "../app/api/partition-configs/route";
import * as promptLabelsRoute from "../app/api/prompts/[id]/labels/route";
import * as playgroundRoute from "../app/api/prompts/playground/route";
import * as promptsRoute from "../app/api/prompts/route";
import * as llmSettingsRoute from "../app/api/settings/llm/route";
import * as pricesRoute from "../app/api/settings/prices/route";
import * as tokenRoute from "../app/api/tokens/[id]/route";
import * as tokensRoute from "../app/api/tokens/route";
import * as userBehaviorsRoute from "../app/api/users/[id]/behaviors/route";
import * as summariesRunRoute from "../app/api/users/[id]/summaries/run/route";
import { createAccount } from "../lib/auth/accounts";
import { createApiToken } from "../lib/auth/api-tokens";
import { importEventLog, parseColumnMap } from "../lib/datasets/generic";
import { importMovieLens } from "../lib/datasets/movielens";
import { pool } from "../lib/db/client";
import { proxy } from "../proxy";
import { useTestDatabase } from "./db";

/**
 * Issue 3 item 6, "Bad input": malformed and hostile input thrown at the ingestion API, the
 * importers and every mutating route ("form") of the server. Each case must be refused with
 * a 4xx that says what is wrong (never a 500), or show up in the importer's rejected-row
 * report with its file, line and reason; and nothing partial may be written, which every
 * case checks by fingerprinting the database before and after. SQL and HTML in titles and
 * ids are data: stored verbatim, and harmless.
 */

const databaseUrl = useTestDatabase();

const ORIGIN = "http://127.0.0.1:3000";
const FIXTURES = path.resolve(import.meta.dirname, "fixtures/hostile");
const REPO = path.resolve(import.meta.dirname, "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "liber-hostile-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Payloads used throughout.
const SQL = "'); DROP TABLE behaviors; --";
const IMG = "<img src=x onerror=alert(1)>";
const SCRIPT = "<script>alert(document.cookie)</script>";
const MB2 = "A".repeat(2 * 1024 * 1024);
const KB100 = "u".repeat(100 * 1024);
const KB10 = "n".repeat(10 * 1024);
const NUL = "contains a NUL character (U+0000), which cannot be stored";

// ---------------------------------------------------------------------------------------------
// Calling route handlers in-process, as Next would

type Handler = (req: NextRequest, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;

let adminToken = "";
let editorToken = "";

interface CallOptions {
  method?: string;
  path?: string;
  /** Serialised as JSON. */
  json?: unknown;
  /** Sent as it is (malformed JSON, invalid UTF-8 ...). */
  raw?: string | Uint8Array;
  contentType?: string;
  params?: Record<string, string | string[]>;
  token?: string | null;
  headers?: Record<string, string>;
}

function call(handler: unknown, opts: CallOptions = {}): Promise<Response> {
  const method = opts.method ?? "POST";
  const token = opts.token === undefined ? adminToken : opts.token;
  const req = new NextRequest(`${ORIGIN}${opts.path ?? "/api/x"}`, {
    method,
    headers: {
      host: "127.0.0.1:3000",
      origin: ORIGIN,
      "content-type": opts.contentType ?? "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...opts.headers,
    },
    body: opts.raw !== undefined ? opts.raw : opts.json === undefined ? undefined : JSON.stringify(opts.json),
  } as ConstructorParameters<typeof NextRequest>[1]);
  return (handler as Handler)(req, { params: Promise.resolve(opts.params ?? {}) });
}

interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
  [key: string]: unknown;
}

/**
 * The answer is the expected 4xx, as JSON (a browser never renders it as HTML), small (a
 * 2 MB field is not echoed back), and its message or details match `says`.
 */
async function expectRefused(res: Response, status: number, says: RegExp): Promise<ErrorBody> {
  const text = await res.text();
  expect(res.status, `answer: ${text.slice(0, 500)}`).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  expect(text.length, "the error does not echo the hostile input back").toBeLessThan(20_000);
  const body = JSON.parse(text) as ErrorBody;
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(explanation(body)).toMatch(says);
  return body;
}

/** The message, then one line per detail ("path: message") or per rejected event. */
function explanation(body: ErrorBody): string {
  const { details } = body.error;
  const lines = [body.error.message];
  if (Array.isArray(details))
    lines.push(...details.map((d: { path: string; message: string }) => `${d.path}: ${d.message}`));
  else if (details !== undefined) lines.push(JSON.stringify(details));
  if (Array.isArray(body.errors)) lines.push(...body.errors.map((e: { message: string }) => e.message));
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------
// "Nothing partial was written": a fingerprint of every table's rows

/** Logs of attempts, written on purpose when a request or import is refused. */
const ATTEMPT_LOGS = ["_prisma_migrations", "import_runs", "sign_in_failures"];
/** Columns that change when a credential is merely used. */
const VOLATILE_COLUMNS = ["last_used_at", "last_seen_at", "expires_at", "last_sign_in_at"];

async function fingerprint(): Promise<Record<string, string>> {
  const { rows: tables } = await pool().query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND NOT (table_name = ANY($1::text[]))
      ORDER BY table_name`,
    [ATTEMPT_LOGS],
  );
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    const { rows } = await pool().query<{ n: number; h: string }>(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(r, E'\\n' ORDER BY r), '')) AS h
         FROM (SELECT (to_jsonb(t) - $1::text[])::text AS r FROM "${name}" t) rows_as_text`,
      [VOLATILE_COLUMNS],
    );
    out[name] = `${rows[0]!.n} rows, ${rows[0]!.h}`;
  }
  return out;
}

/** Runs `act` and checks that no table changed (besides the logs of attempts). */
async function expectNothingWritten<T>(act: () => Promise<T>): Promise<T> {
  const before = await fingerprint();
  const result = await act();
  expect(await fingerprint()).toEqual(before);
  return result;
}

const one = async <R>(sql: string, params: unknown[] = []) => (await pool().query(sql, params)).rows[0] as R;
const count = async (table: string, where = "true", params: unknown[] = []) =>
  (await one<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params)).n;

beforeAll(async () => {
  adminToken = (await createApiToken({ name: "hostile admin", role: "admin", createdById: null })).token;
  editorToken = (await createApiToken({ name: "hostile editor", role: "editor", createdById: null })).token;
  await createAccount({ name: "boss", role: "admin", password: "boss-password" });
  await pool().query(
    `INSERT INTO items (external_id, title, categories) VALUES ('i1', 'One', '{drama}'), ($1, $2, '{comedy}')`,
    [SQL, `${IMG}${SCRIPT}`],
  );
  await pool().query(`INSERT INTO users (external_id) VALUES ('alice')`);
  // Defaults that the app seeds lazily on first read: seeded now, so that they do not count as writes.
  for (const [handler, p] of [
    [promptsRoute.GET, "/api/prompts"],
    [configsRoute.GET, "/api/partition-configs"],
    [llmSettingsRoute.GET, "/api/settings/llm"],
  ] as const) {
    expect((await call(handler, { method: "GET", path: p })).status).toBe(200);
  }
});

// ---------------------------------------------------------------------------------------------

it("the fingerprint sees a change to a single value (so 'nothing written' can fail)", async () => {
  const before = await fingerprint();
  await pool().query(`UPDATE items SET title = 'One!' WHERE external_id = 'i1'`);
  expect(await fingerprint()).not.toEqual(before);
  await pool().query(`UPDATE items SET title = 'One' WHERE external_id = 'i1'`);
  expect(await fingerprint()).toEqual(before);
});

describe("POST /api/behaviors with malformed bodies", () => {
  const post = (raw: string | Uint8Array, opts: { query?: string; contentType?: string } = {}) =>
    call(behaviorsRoute.POST, {
      raw,
      path: `/api/behaviors${opts.query ?? ""}`,
      contentType: opts.contentType,
      token: editorToken,
    });
  const ev = (extra: Record<string, unknown> = {}) => ({
    user: "alice",
    item: "i1",
    ts: 1_700_000_000_000,
    kind: "click",
    ...extra,
  });

  it.each([
    ["truncated JSON", '[{"user":"alice","item":"i1","ts":17000', 400, /not valid JSON/],
    ["an object, not an array", JSON.stringify(ev()), 400, /Expected a JSON array of events/],
    ["an empty body", "", 400, /not valid JSON/],
    ["a bare string", '"DROP TABLE behaviors"', 400, /Expected a JSON array/],
  ])("refuses %s with a 400", async (_what, body, status, says) => {
    await expectNothingWritten(async () => expectRefused(await post(body), status, says));
  });

  it("refuses invalid UTF-8 (0xff 0xfe bytes) with a 400, as JSON and as NDJSON", async () => {
    const event = Buffer.from(JSON.stringify(ev({ text: "caf_" })));
    const latin1 = Buffer.concat([
      Buffer.from("["),
      event.subarray(0, event.length - 3),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}]'),
    ]);
    await expectNothingWritten(async () => {
      await expectRefused(await post(Buffer.from([0xff, 0xfe, 0x5b, 0x5d])), 400, /not valid UTF-8/);
      await expectRefused(await post(latin1), 400, /not valid UTF-8/);
      await expectRefused(
        await post(latin1.subarray(1, -1), { contentType: "application/x-ndjson" }),
        400,
        /not valid UTF-8/,
      );
    });
  });

  it("NDJSON with one broken line: 422 naming the line, nothing written (atomic)", async () => {
    const ndjson = [
      JSON.stringify(ev()),
      '{"user":"alice","item":"i1","ts":',
      JSON.stringify(ev({ ts: 1_700_000_000_001 })),
    ].join("\n");
    const body = await expectNothingWritten(async () =>
      expectRefused(await post(ndjson, { contentType: "application/x-ndjson" }), 422, /nothing was written/),
    );
    expect(body).toMatchObject({
      accepted: 0,
      rejected: 1,
      errors: [{ index: 1, message: expect.stringMatching(/^line 2 is not valid JSON/) }],
    });
  });

  /** One event per case, sent alone: the per-event message must say what is wrong. */
  const invalidEvents: [string, string, RegExp][] = [
    ["ts as a boolean", JSON.stringify([ev({ ts: true })]), /ts: ts must be an ISO 8601 string or epoch milliseconds/],
    ["value as a string", JSON.stringify([ev({ value: "abc" })]), /value: .*expected number, received string/],
    ["value 'NaN' as a string", JSON.stringify([ev({ value: "NaN" })]), /value: .*expected number, received string/],
    ["ts 'NaN'", JSON.stringify([ev({ ts: "NaN" })]), /ts: bad timestamp "NaN": expected ISO 8601/],
    ["ts 'Infinity'", JSON.stringify([ev({ ts: "Infinity" })]), /ts: bad timestamp "Infinity"/],
    // NDJSON/JSON cannot carry NaN or Infinity, but 1e999 parses to Infinity.
    [
      "value 1e999 (Infinity after parsing)",
      `[${JSON.stringify(ev()).replace(/}$/, ',"value":1e999}')}]`,
      /value: .*Infinity/,
    ],
    [
      "ts 1e999 (Infinity after parsing)",
      `[${JSON.stringify(ev()).replace(/"ts":\d+/, '"ts":1e999')}]`,
      /ts: ts must be/,
    ],
    ["user as a number", JSON.stringify([ev({ user: 42 })]), /user: .*expected string, received number/],
    ["user as an object", JSON.stringify([ev({ user: { $ne: null } })]), /user: .*expected string, received object/],
    ["kind missing", JSON.stringify([{ user: "alice", item: "i1", ts: 1 }]), /kind: /],
    ["an event that is not an object", "[42]", /expected object, received number/],
    [
      "a 100 KB user id",
      JSON.stringify([ev({ user: KB100 })]),
      /user: Too big: expected string to have <=256 characters/,
    ],
    ["a 2 MB text", JSON.stringify([ev({ text: MB2 })]), /text: Too big: expected string to have <=1000 characters/],
    [
      "a 2 MB title (no such field: items are not created by events)",
      JSON.stringify([ev({ title: MB2 })]),
      /Unrecognized key: "title"/,
    ],
    [
      "a far-future ISO timestamp (year 3000)",
      JSON.stringify([ev({ ts: "3000-01-01T00:00:00Z" })]),
      /ts: timestamp in the future \(3000-01-01T00:00:00\.000Z\)/,
    ],
    [
      "a far-future epoch (year 3000)",
      JSON.stringify([ev({ ts: 32_503_680_000_000 })]),
      /ts: timestamp in the future \(3000-01-01/,
    ],
    ["an epoch beyond what a Date can hold", JSON.stringify([ev({ ts: 1e17 })]), /ts: timestamp in the future/],
    ["a negative epoch", JSON.stringify([ev({ ts: -1 })]), /ts: negative timestamp/],
    ["an ISO date before 1970", JSON.stringify([ev({ ts: "1969-12-31T23:59:59Z" })]), /ts: negative timestamp/],
    [
      "a date that does not exist",
      JSON.stringify([ev({ ts: "2024-02-30T00:00:00Z" })]),
      /ts: bad timestamp .*not a real date/,
    ],
    ["SQL as the kind", JSON.stringify([ev({ kind: SQL })]), /kind: kind must be 1-32 characters a-z or _/],
    ["HTML as the source", JSON.stringify([ev({ source: IMG })]), /source: source must be/],
    [
      "a NUL character in the user id",
      JSON.stringify([ev({ user: "nul\u0000user" })]),
      /^user: contains a NUL character \(U\+0000\)/m,
    ],
    ["a NUL character in the text", JSON.stringify([ev({ text: "a\u0000b" })]), /^text: contains a NUL character/m],
  ];

  it.each(invalidEvents)("refuses %s with a 422 that says why", async (_what, body, says) => {
    const answer = await expectNothingWritten(async () =>
      expectRefused(await post(body, { query: "?createUsers=true" }), 422, says),
    );
    expect(answer).toMatchObject({ accepted: 0, duplicate: 0, rejected: 1 });
  });

  it("all or nothing: one bad event among good ones and none is written", async () => {
    const body = JSON.stringify([
      ev({ ts: 1_700_000_000_100 }),
      ev({ ts: 1_700_000_000_101, value: 0 }),
      ev({ ts: 1_700_000_000_102, value: "abc" }),
    ]).replace('"value":0', '"value":1e999');
    const answer = await expectNothingWritten(async () =>
      expectRefused(await post(body), 422, /^2 invalid event\(s\): nothing was written/),
    );
    expect(answer.errors).toEqual([
      { index: 1, message: expect.stringMatching(/^value: .*Infinity/) },
      { index: 2, message: expect.stringMatching(/^value: .*received string/) },
    ]);
  });

  it("unknown users (without createUsers) and unknown items: 422 naming them, and no user is created", async () => {
    const body = JSON.stringify([
      ev({ user: "mallory" }),
      ev({ item: "no-such-item", user: "trudy" }),
      ev({ ts: 1_700_000_000_200 }),
    ]);
    const answer = await expectNothingWritten(async () => expectRefused(await post(body), 422, /unknown user/));
    expect(answer.errors).toEqual([
      { index: 0, message: 'unknown user "mallory"' },
      { index: 1, message: expect.stringMatching(/^unknown (item "no-such-item"|user "trudy")/) },
    ]);
    // With createUsers the unknown item still refuses the request, and the new user is not created.
    const again = await expectNothingWritten(async () =>
      expectRefused(
        await post(JSON.stringify([ev({ item: "no-such-item", user: "trudy" })]), { query: "?createUsers=true" }),
        422,
        /unknown item "no-such-item"/,
      ),
    );
    expect(again).toMatchObject({ accepted: 0, rejected: 1 });
    expect(await count("users", "external_id IN ('mallory', 'trudy')")).toBe(0);
  });

  it("a bad query string is a 422", async () => {
    await expectNothingWritten(async () => {
      await expectRefused(await post(JSON.stringify([ev()]), { query: "?mode=DROP%20TABLE" }), 422, /mode/);
      await expectRefused(await post(JSON.stringify([ev()]), { query: "?createUsers=1" }), 422, /createUsers/);
    });
  });

  it("stores SQL and HTML in ids and text verbatim, and they stay harmless", async () => {
    const sqlUser = "Robert'); DROP TABLE users;--";
    const events = [
      ev({ user: sqlUser, item: SQL, ts: 1_700_000_001_000, text: SQL }),
      ev({ user: IMG, item: SQL, ts: 1_700_000_001_001, text: SCRIPT }),
    ];
    const res = await post(JSON.stringify(events), { query: "?createUsers=true" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 2, duplicate: 0, rejected: 0, errors: [] });
    // The tables are all still there and hold the payloads as they were sent.
    expect(await count("behaviors", "text = ANY($1::text[])", [[SQL, SCRIPT]])).toBe(2);
    expect(await count("users", "external_id = ANY($1::text[])", [[sqlUser, IMG]])).toBe(2);
    expect(await count("items", "external_id = $1", [SQL])).toBe(1);

    // ... and the API hands them back as data (JSON strings), not markup.
    const log = await call(userBehaviorsRoute.GET, {
      method: "GET",
      path: `/api/users/${encodeURIComponent(IMG)}/behaviors`,
      params: { id: IMG },
    });
    expect(log.status).toBe(200);
    const page = (await log.json()) as { behaviors: { item: { externalId: string; title: string } }[] };
    expect(page.behaviors).toEqual([
      expect.objectContaining({ item: expect.objectContaining({ externalId: SQL, title: `${IMG}${SCRIPT}` }) }),
    ]);
  });

  it("with ?mode=partial stores only the valid events and reports each bad one", async () => {
    const before = await count("behaviors");
    const body = JSON.stringify([
      ev({ ts: 1_700_000_002_000 }),
      ev({ ts: true }),
      ev({ ts: "3000-01-01" }),
      ev({ item: "no-such-item" }),
      ev({ user: KB100 }),
    ]);
    const res = await post(body, { query: "?mode=partial" });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as {
      accepted: number;
      rejected: number;
      errors: { index: number; message: string }[];
    };
    expect(answer).toMatchObject({ accepted: 1, rejected: 4 });
    expect(answer.errors.map((e) => e.index)).toEqual([1, 2, 3, 4]);
    expect(await count("behaviors")).toBe(before + 1);
  });

  it("with ?mode=partial, U+0000 and a lone surrogate in a key: 200, the valid event stored, errors safe and recorded as answered", async () => {
    const before = await count("behaviors");
    const runsBefore = await count("import_runs");
    // Keys are not checked for NUL before zod, whose "Unrecognized key" message quotes them.
    const body = `[${JSON.stringify(ev({ ts: 1_700_000_003_000 }))},${JSON.stringify(ev({ ts: 1_700_000_003_001 })).replace(/}$/, ',"ev\\u0000il":1,"x\\ud800":2}')}]`;
    const res = await post(body, { query: "?mode=partial" });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const answer = JSON.parse(text) as {
      accepted: number;
      rejected: number;
      errors: { index: number; message: string }[];
    };
    expect(answer).toMatchObject({ accepted: 1, rejected: 1 });
    expect(answer.errors).toHaveLength(1);
    const message = answer.errors[0]!.message;
    expect(message).toMatch(/ev\\u0000il/);
    expect(message).not.toMatch(/\u0000|[\ud800-\udfff]/);
    expect(await count("behaviors")).toBe(before + 1);
    expect(await count("import_runs")).toBe(runsBefore + 1);
    const run = await one<{ status: string; errors: { line: number; reason: string }[] }>(
      `SELECT status, errors FROM import_runs ORDER BY id DESC LIMIT 1`,
    );
    expect(run.status).toBe("succeeded");
    expect(run.errors).toEqual([{ file: "request", line: 1, reason: message }]);
  });
});

// ---------------------------------------------------------------------------------------------

describe("importers: every bad row in the rejected-row report, --strict writes nothing", () => {
  const csvMap = parseColumnMap("user=user,item=item,ts=ts,kind=kind,value=value,text=text");
  const catalogue = path.join(FIXTURES, "catalogue.csv");
  const eventsCsv = path.join(FIXTURES, "events.csv");
  const eventsNdjson = path.join(FIXTURES, "events.ndjson");
  const reasons = (errors: { file: string; line: number; reason: string }[], file: string) =>
    Object.fromEntries(errors.filter((e) => e.file === file).map((e) => [e.line, e.reason]));

  const CSV_REJECTED: Record<number, RegExp> = {
    4: /^bad timestamp "true": expected ISO 8601/,
    5: /^bad number in value: "abc"$/,
    6: /^value is NaN$/,
    7: /^value is 1e999 \(not finite\)$/,
    8: /^value is -Infinity \(not finite\)$/,
    9: /^timestamp in the future \(3000-01-01T00:00:00\.000Z\)$/,
    10: /^negative timestamp/,
    11: /^unknown item "no-such-item"$/,
    12: /^missing field: expected 6 fields \(as in the header\), found 2$/,
    13: /^bad kind "DROP TABLE"/,
    14: /not a real date/,
    16: /^malformed CSV: a quoted field is never closed$/,
  };
  const CATALOGUE_REJECTED: Record<number, RegExp> = { 7: /^missing field: title$/, 8: /^duplicate item id "i1"$/ };

  it("--strict: a CSV log with a catalogue full of bad rows writes nothing and reports every row", async () => {
    const summary = await expectNothingWritten(() =>
      importEventLog(eventsCsv, {
        format: "csv",
        map: csvMap,
        tsFormat: "iso",
        items: catalogue,
        source: "hostile",
        strict: true,
      }),
    );
    expect(summary).toMatchObject({
      status: "failed",
      inserted: 0,
      usersCreated: 0,
      itemsCreated: 0,
      errorMessage: expect.stringMatching(/--strict/),
    });
    expect(summary.rejected).toBe(Object.keys(CSV_REJECTED).length + Object.keys(CATALOGUE_REJECTED).length);
    const csv = reasons(summary.errors, eventsCsv);
    expect(Object.keys(csv).map(Number)).toEqual(Object.keys(CSV_REJECTED).map(Number));
    for (const [line, reason] of Object.entries(CSV_REJECTED)) expect(csv[line], `events.csv:${line}`).toMatch(reason);
    const cat = reasons(summary.errors, catalogue);
    for (const [line, reason] of Object.entries(CATALOGUE_REJECTED))
      expect(cat[line], `catalogue.csv:${line}`).toMatch(reason);
    const run = await one<{ status: string; inserted: number; rejected: number }>(
      `SELECT status, inserted, rejected FROM import_runs WHERE id = $1`,
      [summary.runId],
    );
    expect(run).toEqual({ status: "failed", inserted: 0, rejected: summary.rejected });
  });

  it("without --strict: only the good rows land; SQL and HTML titles and ids are stored verbatim", async () => {
    const summary = await importEventLog(eventsCsv, {
      format: "csv",
      map: csvMap,
      tsFormat: "iso",
      items: catalogue,
      source: "hostile",
    });
    expect(summary).toMatchObject({ status: "succeeded", inserted: 3, rejected: summary.errors.length });
    expect(await count("behaviors", "source = 'hostile'")).toBe(3);
    const titles = Object.fromEntries(
      (
        await pool().query<{ external_id: string; title: string; categories: string[] }>(
          `SELECT external_id, title, categories FROM items WHERE external_id LIKE 'xss-%' OR external_id = 'sqli'`,
        )
      ).rows.map((r) => [r.external_id, { title: r.title, categories: r.categories }]),
    );
    expect(titles).toEqual({
      "xss-img": { title: IMG, categories: ["<b onmouseover=alert(1)>hover</b>", "drama"] },
      "xss-script": { title: SCRIPT, categories: ["comedy"] },
      "xss-quoted": { title: '<img src=x onerror="window.__xss=1">', categories: ["drama"] },
      sqli: { title: SQL, categories: ["drama"] },
    });
    expect(await count("users", "external_id = ANY($1::text[])", [["Robert'); DROP TABLE behaviors;--", IMG]])).toBe(2);
    expect(await count("behaviors", "text = '<script>alert(1)</script>'")).toBe(1);
  });

  it("NDJSON: wrong types, 1e999, NaN strings, far-future and negative epochs, a broken line", async () => {
    const map = parseColumnMap("user=user,item=item,ts=ts,kind=kind,value=value,text=text");
    const summary = await expectNothingWritten(() =>
      importEventLog(eventsNdjson, { format: "ndjson", map, tsFormat: "epoch-ms", source: "hostile-nd", strict: true }),
    );
    expect(summary).toMatchObject({ status: "failed", inserted: 0 });
    const byLine = reasons(summary.errors, eventsNdjson);
    expect(byLine).toEqual({
      2: "ts is a boolean; expected a string or number",
      3: "ts is Infinity (not finite)",
      4: "value is NaN",
      5: 'bad number in value: "abc"',
      6: expect.stringMatching(/^timestamp in the future \(3000-01-01/),
      7: expect.stringMatching(/^negative timestamp/),
      8: expect.stringMatching(/^timestamp in the future/),
      9: expect.stringMatching(/^not valid JSON/),
      10: "expected a JSON object per line",
      11: "user is a JSON object; expected a string or number",
      13: `user ${NUL}`,
    });
  });

  it("huge fields, Latin-1 bytes in a UTF-8 file, NUL characters: rejected rows, not a failed import", async () => {
    const big = path.join(tmp, "big-catalogue.csv");
    fs.writeFileSync(big, `id,title\nbig,${MB2}\nok-item,Fine\n`);
    const log = path.join(tmp, "latin1.csv");
    fs.writeFileSync(
      log,
      Buffer.concat([
        Buffer.from("user,item,ts,kind\nbob,ok-item,2024-01-01T00:00:00Z,click\n"),
        Buffer.from("caf\xe9,ok-item,2024-01-02T00:00:00Z,click\n", "latin1"),
        Buffer.from(`${KB100},ok-item,2024-01-03T00:00:00Z,click\n`),
        Buffer.from("nul\u0000user,ok-item,2024-01-04T00:00:00Z,click\n"),
        Buffer.from([0xff, 0xfe]),
        Buffer.from(",ok-item,2024-01-05T00:00:00Z,click\n"),
      ]),
    );
    const map = parseColumnMap("user=user,item=item,ts=ts,kind=kind");
    const summary = await expectNothingWritten(() =>
      importEventLog(log, { format: "csv", map, tsFormat: "iso", items: big, source: "hostile-big", strict: true }),
    );
    expect(summary).toMatchObject({
      status: "failed",
      inserted: 0,
      errorMessage: expect.stringMatching(/--strict: 5 row/),
    });
    expect(reasons(summary.errors, big)).toEqual({ 2: `title is ${MB2.length} characters long (limit 1000)` });
    expect(reasons(summary.errors, log)).toEqual({
      3: "invalid UTF-8 (replacement character U+FFFD in the row)",
      4: `user is ${KB100.length} characters long (limit 256)`,
      5: `the row ${NUL}`,
      6: "invalid UTF-8 (replacement character U+FFFD in the row)",
    });
    // Without --strict the one good row lands, and nothing of the bad ones.
    const lenient = await importEventLog(log, {
      format: "csv",
      map,
      tsFormat: "iso",
      items: big,
      source: "hostile-big",
    });
    expect(lenient).toMatchObject({ status: "succeeded", inserted: 1, rejected: 5, itemsCreated: 1 });
    expect(await count("items", "external_id = 'big'")).toBe(0);
  });

  it("MovieLens: HTML and SQL titles verbatim; NaN, 1e999, year 3000, negative and overflowing timestamps rejected", async () => {
    const dir = path.join(FIXTURES, "ml-latest");
    const ratings = path.join(dir, "ratings.csv");
    const strict = await expectNothingWritten(() =>
      importMovieLens(dir, { strict: true, source: "hostile-ml", idPrefix: "hml:" }),
    );
    expect(strict).toMatchObject({ status: "failed", inserted: 0 });
    expect(reasons(strict.errors, ratings)).toEqual({
      4: "rating is NaN",
      5: "rating is 1e999 (not finite)",
      6: expect.stringMatching(/^timestamp in the future \(3000-01-01/),
      7: expect.stringMatching(/^negative timestamp/),
      8: expect.stringMatching(/^timestamp in the future/),
      9: expect.stringMatching(/^bad timestamp "true"/),
    });
    const lenient = await importMovieLens(dir, { source: "hostile-ml", idPrefix: "hml:" });
    expect(lenient).toMatchObject({ status: "succeeded", inserted: 2, rejected: 6 });
    const movies = (
      await pool().query<{ title: string; categories: string[] }>(
        `SELECT title, categories FROM items WHERE external_id LIKE 'hml:%' ORDER BY external_id`,
      )
    ).rows;
    expect(movies).toEqual([
      { title: `${IMG} (1995)`, categories: ["Animation", "<b>Comedy</b>"] },
      { title: "'); DROP TABLE items; -- (1996)", categories: ["Drama"] },
    ]);
  });

  it("`liber import csv --strict --json` exits 1, lists each bad row with file, line and reason, writes nothing", async () => {
    const env = { ...process.env, DATABASE_URL: databaseUrl(), LIBER_LOG_LEVEL: "error", NO_COLOR: "1" };
    const args = [
      "bin/liber.mjs",
      "import",
      "csv",
      eventsCsv,
      "--map",
      "user=user,item=item,ts=ts,kind=kind,value=value,text=text",
      "--items",
      catalogue,
    ];
    const strict = await expectNothingWritten(() =>
      promisify(execFile)(
        process.execPath,
        [...args, "--source", "hostile-cli", "--strict", "--json", "--no-summarise"],
        { cwd: REPO, env },
      ).then(
        () => ({ code: 0, stdout: "" }),
        (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
      ),
    );
    expect(strict.code).toBe(1);
    const report = JSON.parse(strict.stdout) as {
      status: string;
      inserted: number;
      errors: { file: string; line: number; reason: string }[];
    };
    expect(report).toMatchObject({ status: "failed", inserted: 0 });
    const csv = reasons(report.errors, eventsCsv);
    for (const [line, reason] of Object.entries(CSV_REJECTED)) expect(csv[line], `events.csv:${line}`).toMatch(reason);

    // The human-readable report names file:line and the reason.
    const human = await promisify(execFile)(
      process.execPath,
      [...args, "--source", "hostile-cli", "--strict", "--no-summarise"],
      { cwd: REPO, env },
    ).then(
      () => "",
      (err: { stderr: string }) => err.stderr,
    );
    expect(human).toContain(`${eventsCsv}:5  bad number in value: "abc"`);
    expect(human).toContain(`${eventsCsv}:9  timestamp in the future (3000-01-01T00:00:00.000Z)`);
    expect(human).toMatch(/--strict: \d+ row\(s\) rejected, so nothing was written/);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------

describe("every form on the server side refuses bad input with a 4xx and writes nothing", () => {
  it("account creation: bad role, 10 KB name, HTML name, oversize password, wrong shapes", async () => {
    await expectNothingWritten(async () => {
      const post = (json: unknown) => call(accountsRoute.POST, { json, path: "/api/accounts" });
      const ok = { name: "newbie", role: "viewer", password: "long-enough-pw" };
      const bad = await expectRefused(await post({ ...ok, role: "superuser" }), 422, /role/);
      expect(bad.error.details).toEqual([expect.objectContaining({ path: "role" })]);
      await expectRefused(await post({ ...ok, name: KB10 }), 422, /^name: .*Use 1-64 letters/m);
      await expectRefused(await post({ ...ok, name: IMG }), 422, /^name: /m);
      await expectRefused(await post({ ...ok, name: SQL }), 422, /^name: /m);
      await expectRefused(await post({ ...ok, password: KB100 }), 422, /at most 256 characters/);
      await expectRefused(await post({ ...ok, role: null }), 422, /role/);
      await expectRefused(await post([ok]), 422, /Invalid body/);
      await expectRefused(
        await call(accountsRoute.POST, { raw: '{"name":"x","role":', path: "/api/accounts" }),
        400,
        /not valid JSON/,
      );
      await expectRefused(
        await call(accountsRoute.POST, { raw: Buffer.from([0xff, 0xfe]), path: "/api/accounts" }),
        400,
        /not valid JSON/,
      );
      // Changing an account: bad ids and bodies.
      const patch = (id: string, json: unknown) => call(accountRoute.PATCH, { method: "PATCH", json, params: { id } });
      await expectRefused(await patch("1", {}), 422, /Give a role or a password/);
      await expectRefused(await patch("1", { role: "root" }), 422, /role/);
      await expectRefused(await patch("1e999", { role: "viewer" }), 422, /^id: /m);
      await expectRefused(await patch(SQL, { role: "viewer" }), 422, /^id: /m);
      await expectRefused(await patch("99999999999", { role: "viewer" }), 422, /^id: |not found/m);
      await expectRefused(await call(accountRoute.DELETE, { method: "DELETE", params: { id: "-1" } }), 422, /^id: /m);
    });
  });

  it("API tokens: empty or 10 KB names, bad roles, bad ids", async () => {
    await expectNothingWritten(async () => {
      const post = (json: unknown) => call(tokensRoute.POST, { json, path: "/api/tokens" });
      await expectRefused(await post({ name: "", role: "editor" }), 422, /Give the token a name/);
      await expectRefused(await post({ name: KB10, role: "editor" }), 422, /^name: /m);
      await expectRefused(await post({ name: "ok", role: "god" }), 422, /^role: /m);
      await expectRefused(
        await post({ name: "nul\u0000name", role: "editor" }),
        422,
        /^name: contains a NUL character/m,
      );
      await expectRefused(await call(tokenRoute.DELETE, { method: "DELETE", params: { id: "abc" } }), 422, /^id: /m);
      await expectRefused(
        await call(tokenRoute.DELETE, { method: "DELETE", params: { id: "99999999999" } }),
        422,
        /^id: |not found/m,
      );
    });
  });

  it("sign-in and first-run setup: oversize and malformed bodies", async () => {
    await expectNothingWritten(async () => {
      const signIn = (json: unknown) => call(signInRoute.POST, { json, token: null });
      await expectRefused(await signIn({ name: KB10, password: "x" }), 422, /^name: /m);
      await expectRefused(await signIn({ name: "boss", password: KB100 }), 422, /^password: /m);
      await expectRefused(await signIn({ name: "boss" }), 422, /^password: /m);
      await expectRefused(
        await signIn({ name: "boss\u0000", password: "boss-password" }),
        422,
        /^name: contains a NUL character/m,
      );
      await expectRefused(
        await call(signInRoute.POST, { raw: "name=boss&password=x", token: null }),
        400,
        /not valid JSON/,
      );
      const setup = (json: unknown) => call(setupRoute.POST, { json, token: null });
      await expectRefused(await setup({ token: KB10, name: "root", password: "long-enough-pw" }), 422, /^token: /m);
      await expectRefused(await setup({ token: "t", name: SCRIPT, password: "long-enough-pw" }), 422, /^name: /m);
    });
  });

  it("partition configs: negative K, NaN via a string, Infinity, no rule, HTML names, unknown keys", async () => {
    await expectNothingWritten(async () => {
      const post = (json: unknown) =>
        call(configsRoute.POST, { json, path: "/api/partition-configs", token: editorToken });
      await expectRefused(await post({ name: "k", config: { maxCount: -5 } }), 422, /^config\.maxCount: Too small/m);
      await expectRefused(await post({ name: "k", config: { maxCount: 0 } }), 422, /^config\.maxCount: /m);
      await expectRefused(
        await post({ name: "k", config: { maxCount: "NaN" } }),
        422,
        /^config\.maxCount: .*expected number/m,
      );
      await expectRefused(await post({ name: "k", config: { maxGapMs: "NaN" } }), 422, /^config\.maxGapMs: /m);
      await expectRefused(await post({ name: "k", config: { maxCount: 2.5 } }), 422, /^config\.maxCount: /m);
      await expectRefused(
        await call(configsRoute.POST, { raw: '{"name":"k","config":{"maxGapMs":1e999}}', token: editorToken }),
        422,
        /^config\.maxGapMs: /m,
      );
      await expectRefused(await post({ name: "k", config: {} }), 422, /set at least one sealing rule/);
      await expectRefused(await post({ name: "k" }), 422, /^config: /m);
      await expectRefused(await post({ name: IMG, config: { maxCount: 5 } }), 422, /^name: .*1-64 characters/m);
      await expectRefused(await post({ name: "k", config: { maxCount: 5, evil: SQL } }), 422, /Unrecognized key/);
      await expectRefused(await post({ name: "k", config: { maxCount: 5 }, note: MB2 }), 422, /^note: /m);
      await expectRefused(
        await post({ name: "k", config: { maxCount: 5 }, note: "a\u0000b" }),
        422,
        /^note: contains a NUL character/m,
      );
      await expectRefused(await post({ name: "k", config: { "maxCount\u0000": 5 } }), 422, /contains a NUL character/);
      await expectRefused(
        await post({ name: "k", config: { maxCount: 5, minCount: 9, maxGapMs: 1 } }),
        422,
        /minCount must be less than maxCount/,
      );
      // What-if preview, activate, recompute.
      await expectRefused(
        await call(configPreviewRoute.POST, { json: { config: { maxCount: -1 } }, token: editorToken }),
        422,
        /^config\.maxCount: /m,
      );
      await expectRefused(
        await call(configPreviewRoute.POST, {
          json: { config: { maxCount: 5 }, pricing: { inputPerMTok: -1 } },
          token: editorToken,
        }),
        422,
        /^pricing\.inputPerMTok: /m,
      );
      for (const id of [SQL, "9999999999", "active-nope", "x@99999999999"]) {
        const res = await call(configActivateRoute.POST, { params: { id }, token: editorToken });
        await expectRefused(res, 404, /not found/);
      }
      await expectRefused(
        await call(configRecomputeRoute.POST, { params: { id: "active" }, json: { users: [] }, token: editorToken }),
        422,
        /^users: /m,
      );
      await expectRefused(
        await call(configRecomputeRoute.POST, {
          params: { id: "active" },
          json: { users: [KB10] },
          token: editorToken,
        }),
        422,
        /^users\.0: /m,
      );
    });
  });

  it("prompt versions: unknown template variables, huge templates, bad names and labels", async () => {
    await expectNothingWritten(async () => {
      const post = (json: unknown) => call(promptsRoute.POST, { json, path: "/api/prompts", token: editorToken });
      const ok = { name: "uil", system: "You summarise.", userTemplate: "{{behaviors}}" };
      const unknown = await expectRefused(
        await post({ ...ok, userTemplate: "{{behaviors}} {{constructor}} {{evil}}" }),
        422,
        /Unknown template variables \{\{constructor\}\}, \{\{evil\}\}\. Available: /,
      );
      expect(unknown.error.details).toMatchObject({ unknownVariables: ["constructor", "evil"] });
      await expectRefused(await post({ ...ok, system: MB2 }), 422, /^system: Too big/m);
      await expectRefused(
        await post({ ...ok, system: "You\u0000summarise." }),
        422,
        /^system: contains a NUL character/m,
      );
      await expectRefused(await post({ ...ok, userTemplate: "" }), 422, /the user template is empty/);
      await expectRefused(await post({ ...ok, name: SCRIPT }), 422, /^name: /m);
      await expectRefused(await post({ ...ok, note: KB10 }), 422, /^note: /m);
      await expectRefused(
        await post({
          ...ok,
          behaviorOptions: { fields: ["title"], maxItems: "NaN", maxTitleChars: 80, tokenBudget: 1000 },
        }),
        422,
        /^behaviorOptions\.maxItems: /m,
      );
      await expectRefused(
        await post({
          ...ok,
          behaviorOptions: { fields: ["title", "title"], maxItems: 5, maxTitleChars: 80, tokenBudget: 1000 },
        }),
        422,
        /a field may appear once/,
      );
      const [{ id }] = (await pool().query<{ id: number }>(`SELECT id FROM prompt_versions ORDER BY id LIMIT 1`))
        .rows as [{ id: number }];
      const label = (label: unknown, promptId = String(id)) =>
        call(promptLabelsRoute.POST, { json: { label }, params: { id: promptId }, token: editorToken });
      await expectRefused(await label(IMG), 422, /lower-case letters, digits/);
      await expectRefused(await label("x".repeat(100)), 422, /label/);
      await expectRefused(await label("production", "99999999999"), 422, /^id: /m);
      await expectRefused(await label("production", "2147483647"), 404, /not found/);
      await expectRefused(
        await call(playgroundRoute.POST, {
          json: { user: "alice", draft: { ...ok, name: undefined, userTemplate: "{{evil}}" } },
          token: editorToken,
        }),
        422,
        /Unknown template variable \{\{evil\}\}/,
      );
    });
  });

  it("LLM settings and prices: invalid and javascript: URLs, NaN, Infinity, unknown providers", async () => {
    await expectNothingWritten(async () => {
      const put = (json: unknown) => call(llmSettingsRoute.PUT, { method: "PUT", json, path: "/api/settings/llm" });
      const ok = {
        provider: "openai",
        baseUrl: "http://localhost:11434/v1",
        model: "m",
        temperature: 0.2,
        maxTokens: 800,
      };
      await expectRefused(await put({ ...ok, baseUrl: "not a url" }), 422, /^baseUrl: .*must be a URL/m);
      await expectRefused(
        await put({ ...ok, baseUrl: "javascript:alert(1)" }),
        422,
        /^baseUrl: must start with http:\/\/ or https:\/\//m,
      );
      await expectRefused(
        await put({ ...ok, baseUrl: "file:///etc/passwd" }),
        422,
        /^baseUrl: must start with http:\/\/ or https:\/\//m,
      );
      await expectRefused(await put({ ...ok, baseUrl: `http://${IMG}` }), 422, /^baseUrl: /m);
      await expectRefused(await put({ ...ok, baseUrl: null }), 422, /the openai provider needs a base URL/);
      await expectRefused(await put({ ...ok, provider: "evil" }), 422, /^provider: /m);
      await expectRefused(await put({ ...ok, temperature: "NaN" }), 422, /^temperature: /m);
      await expectRefused(
        await call(llmSettingsRoute.PUT, {
          method: "PUT",
          raw: JSON.stringify(ok).replace('"maxTokens":800', '"maxTokens":1e999'),
        }),
        422,
        /^maxTokens: /m,
      );
      await expectRefused(await put({ ...ok, model: MB2 }), 422, /^model: /m);
      await expectRefused(await put({ ...ok, model: "m\u0000" }), 422, /^model: contains a NUL character/m);
      await expectRefused(await put({ ...ok, apiKey: "sk-stolen" }), 422, /Unrecognized key/);
      const prices = (json: unknown) => call(pricesRoute.PUT, { method: "PUT", json, path: "/api/settings/prices" });
      const price = { provider: "openai", model: "m", inputPerMTok: 1, outputPerMTok: 2 };
      await expectRefused(
        await prices({ prices: [{ ...price, inputPerMTok: -1 }] }),
        422,
        /^prices\.0\.inputPerMTok: /m,
      );
      await expectRefused(
        await prices({ prices: [{ ...price, outputPerMTok: "NaN" }] }),
        422,
        /^prices\.0\.outputPerMTok: /m,
      );
      await expectRefused(await prices({ prices: [price, price] }), 422, /each provider and model may appear once/);
      await expectRefused(
        await prices({ prices: [{ ...price, model: "m\u0000" }] }),
        422,
        /^prices\.0\.model: contains a NUL character/m,
      );
      await expectRefused(await prices({ prices: "all" }), 422, /^prices: /m);
    });
  });

  it("running a user's cascade: unknown users, bad refs", async () => {
    await expectNothingWritten(async () => {
      const run = (id: string, json: unknown) =>
        call(summariesRunRoute.POST, { params: { id }, json, token: editorToken });
      await expectRefused(await run("no-such-user", {}), 404, /not found/);
      await expectRefused(await run(KB10, {}), 422, /^id: /m);
      await expectRefused(await run("alice", { prompt: SQL }), 422, /^prompt: /m);
      await expectRefused(await run("alice", { config: "NaN" }), 422, /^config: /m);
      await expectRefused(await run("alice", { evil: 1 }), 422, /Unrecognized key/);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Issue 9 item 8: every route file x {NUL in the query, NUL in a path parameter, broken
// percent-encoding, deep nesting}. Routes are discovered on disk as in routes.integration.test.ts.

const APP = path.join(REPO, "app");
const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
type WalkedHandler = ((
  req: NextRequest,
  ctx: { params: Promise<Record<string, string | string[]>> },
) => Promise<Response>) & {
  reads?: "nothing" | "raw" | "json";
};

function discoverRouteFiles(dir: string): { file: string; segments: string[] }[] {
  const found: { file: string; segments: string[] }[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const abs = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...discoverRouteFiles(abs));
    else if (/^route\.(ts|tsx|js|mjs)$/.test(entry.name)) {
      const segments = path
        .relative(APP, path.dirname(abs))
        .split(path.sep)
        .filter((s) => s && !/^\(.*\)$/.test(s) && !s.startsWith("@"));
      found.push({ file: abs, segments });
    }
  }
  return found.sort((a, b) => a.file.localeCompare(b.file));
}

/** The URL with every dynamic segment replaced by `fill`, and the params Next would pass. */
function urlFor(segments: string[], fill: string): { url: string; params: Record<string, string | string[]> } {
  const params: Record<string, string | string[]> = {};
  const parts = segments.map((seg) => {
    const dynamic = /^\[{1,2}(\.\.\.)?([^\]]+)\]{1,2}$/.exec(seg);
    if (!dynamic) return seg;
    params[dynamic[2]!] = dynamic[1] ? [fill] : fill;
    return encodeURIComponent(fill);
  });
  return { url: `/${parts.join("/")}`, params };
}

const routeFiles = discoverRouteFiles(APP);
const DEEP = "[".repeat(300_000) + "]".repeat(300_000);

describe("every route refuses hostile URLs and bodies with a 4xx", () => {
  it("walks all route files", () => {
    expect(routeFiles.length).toBeGreaterThan(25);
  });

  describe.each(routeFiles.map((r) => [path.relative(APP, r.file), r] as const))("%s", (_name, routeFile) => {
    it(
      "NUL in the query or a path parameter: 400; broken percent-encoding: JSON 400 even signed out; deep JSON: 400",
      { timeout: 60_000 },
      async () => {
        const mod = (await import(pathToFileURL(routeFile.file).href)) as Record<string, unknown>;
        const methods = HTTP_METHODS.filter((m) => typeof mod[m] === "function");
        expect(methods.length).toBeGreaterThan(0);
        const dynamic = routeFile.segments.some((s) => s.startsWith("["));
        for (const method of methods) {
          const handler = mod[method] as WalkedHandler;
          const mutating = method !== "GET";
          const ok = urlFor(routeFile.segments, "1");
          const label = `${method} ${ok.url}`;
          await expectNothingWritten(async () => {
            // NUL in the query (both in a value and in a name), as an admin and signed out.
            for (const [query, token] of [
              ["?q=%00", adminToken],
              ["?a=%00&b=1", null],
              ["?%00=1", adminToken],
            ] as const) {
              const res = await call(handler, {
                method,
                path: `${ok.url}${query}`,
                params: ok.params,
                token,
                json: mutating ? {} : undefined,
              });
              await expectRefused(res, 400, /NUL character/);
            }
            // NUL in a path parameter.
            if (dynamic) {
              const nul = urlFor(routeFile.segments, "a\u0000b");
              const res = await call(handler, {
                method,
                path: nul.url,
                params: nul.params,
                json: mutating ? {} : undefined,
              });
              await expectRefused(res, 400, /path parameter .* NUL character/);
            }
            // 300,000-deep nesting in the body.
            if (handler.reads !== "nothing") {
              const res = await call(handler, { method, path: ok.url, params: ok.params, raw: DEEP });
              await expectRefused(res, 400, /nests deeper than 64 levels/);
              if (handler.reads === "raw") {
                const ndjson = `{"user":"alice"}\n${DEEP}\n`;
                const line = await call(handler, {
                  method,
                  path: ok.url,
                  params: ok.params,
                  raw: ndjson,
                  contentType: "application/x-ndjson",
                });
                await expectRefused(line, 400, /nests deeper than 64 levels/);
              }
            }
          });
          // Broken percent-encoding never reaches the handler: proxy.ts answers first, signed in or not.
          for (const bad of ["%ff", "%e9t%e9", "%", "%zz"]) {
            const url = dynamic
              ? urlFor(routeFile.segments, "x").url.replace(/\/x(?=\/|$)/, `/${bad}`)
              : `${ok.url}/${bad}`;
            for (const headers of [{}, { cookie: "liber_session=forged" }] as Record<string, string>[]) {
              const res = proxy(new NextRequest(`${ORIGIN}${url}`, { method, headers }));
              await expectRefused(res, 400, /not valid percent-encoding/);
            }
          }
          const passed = proxy(new NextRequest(`${ORIGIN}${ok.url}`, { method }));
          expect(passed.headers.get("x-middleware-next"), `${label}: a well-formed API URL passes the proxy`).toBe("1");
        }
      },
    );
  });
});
