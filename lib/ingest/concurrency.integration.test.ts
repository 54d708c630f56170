import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/db";
import { POST } from "../../app/api/behaviors/route";
import { createApiToken } from "../auth/api-tokens";
import { pool } from "../db/client";
import { serveRoute, type RouteHandler, type ServedRoute } from "../bench/serve-route";

/**
 * Issue 9, item 1: concurrent POST /api/behaviors whose users overlap used to deadlock (most
 * batches answered 500). Here 20 clients x 10 batches over a real socket, users drawn from one
 * small shared set, and a tenth of each batch repeats events other clients send too (so that
 * writers also meet on the unique index). Nothing may fail, and the log must hold exactly what
 * the answers say was accepted.
 */
useTestDatabase();

const USERS = 40;
const ITEMS = 60;
const CLIENTS = 20;
const BATCHES = 10;
const PER_BATCH = 150;
const SHARED_PER_BATCH = 15;

let server: ServedRoute;
let token = "";

beforeAll(async () => {
  token = (await createApiToken({ name: "load", role: "editor", createdById: null })).token;
  await pool().query(
    `INSERT INTO users (external_id) SELECT 'u' || g FROM generate_series(1, ${USERS}) g;
     INSERT INTO items (external_id, title, categories)
       SELECT 'i' || g, 'Item ' || g, ARRAY['c' || (g % 7), 'd' || (g % 3)] FROM generate_series(1, ${ITEMS}) g`,
  );
  server = await serveRoute(POST as unknown as RouteHandler, { method: "POST" });
});

afterAll(async () => {
  await server?.close();
});

/** A small deterministic generator: the test is the same on every run. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

function batchFor(client: number, batch: number) {
  const rand = rng(client * 1000 + batch + 1);
  const events: Record<string, unknown>[] = [];
  for (let i = 0; i < PER_BATCH - SHARED_PER_BATCH; i++) {
    events.push({
      user: `u${1 + Math.floor(rand() * USERS)}`,
      item: `i${1 + Math.floor(rand() * ITEMS)}`,
      ts: 1_600_000_000_000 + Math.floor(rand() * 3e10),
      kind: "play",
      sourceEventId: `c${client}-b${batch}-${i}`,
    });
  }
  // Shared events: the same 15 per batch number across all clients, in a client-specific order.
  const shared = Array.from({ length: SHARED_PER_BATCH }, (_, i) => ({
    user: `u${1 + ((batch * 7 + i * 3) % USERS)}`,
    item: `i${1 + i}`,
    ts: 1_650_000_000_000 + batch * 1000 + i,
    kind: "play",
    sourceEventId: `shared-b${batch}-${i}`,
  }));
  if (client % 2) shared.reverse();
  events.splice(Math.floor(rand() * events.length), 0, ...shared);
  return events;
}

describe("concurrent POST /api/behaviors with overlapping users", () => {
  it(`${CLIENTS} clients x ${BATCHES} batches: no 5xx, and the log holds exactly what was accepted`, async () => {
    const statuses: number[] = [];
    const failures: string[] = [];
    let accepted = 0;
    let duplicate = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        for (let b = 0; b < BATCHES; b++) {
          const res = await fetch(`${server.origin}/api/behaviors`, {
            method: "POST",
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body: JSON.stringify(batchFor(client, b)),
          });
          statuses.push(res.status);
          const body = (await res.json().catch(() => ({}))) as { accepted?: number; duplicate?: number };
          if (res.status !== 200) failures.push(`${res.status} ${JSON.stringify(body).slice(0, 200)}`);
          accepted += body.accepted ?? 0;
          duplicate += body.duplicate ?? 0;
        }
      }),
    );
    expect(failures).toEqual([]);
    expect(statuses.filter((s) => s >= 500)).toHaveLength(0);
    expect(statuses).toHaveLength(CLIENTS * BATCHES);

    const distinct = CLIENTS * BATCHES * (PER_BATCH - SHARED_PER_BATCH) + BATCHES * SHARED_PER_BATCH;
    const { rows } = await pool().query(
      `SELECT (SELECT count(*)::int FROM behaviors) AS behaviors,
              (SELECT sum(event_count)::int FROM users) AS counted,
              (SELECT count(*)::int FROM users u WHERE u.event_count <> (SELECT count(*) FROM behaviors b WHERE b.user_id = u.id)) AS bad_counters`,
    );
    expect(rows[0]).toEqual({ behaviors: accepted, counted: accepted, bad_counters: 0 });
    expect(accepted).toBe(distinct);
    expect(accepted + duplicate).toBe(CLIENTS * BATCHES * PER_BATCH);

    // The UBSP hook ran in every transaction: each user's state has seen all of their events.
    const states = await pool().query(
      `SELECT count(*)::int AS behind FROM users u
        LEFT JOIN partition_states s ON s.user_id = u.id
       WHERE u.event_count > 0 AND coalesce(s.events_seen, 0) <> u.event_count`,
    );
    expect(states.rows[0].behind).toBe(0);
  }, 180_000);

  it("requests sending the same events in opposite orders (they meet in the unique index) all succeed", async () => {
    const events = Array.from({ length: 4000 }, (_, i) => ({
      user: `u${1 + (i % USERS)}`,
      item: `i${1 + (i % ITEMS)}`,
      ts: 1_700_000_000_000 + i,
      kind: "play",
      source: "same",
      sourceEventId: `same-${i}`,
    }));
    const send = (body: unknown[]) =>
      fetch(`${server.origin}/api/behaviors`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const answers = await Promise.all([
      send(events),
      send([...events].reverse()),
      send(events),
      send([...events].reverse()),
    ]);
    const bodies = (await Promise.all(answers.map((r) => r.json()))) as { accepted: number; duplicate: number }[];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(bodies.reduce((sum, b) => sum + b.accepted, 0)).toBe(events.length);
    expect(bodies.reduce((sum, b) => sum + b.duplicate, 0)).toBe(3 * events.length);
    const { rows } = await pool().query(`SELECT count(*)::int AS n FROM behaviors WHERE source = 'same'`);
    expect(rows[0].n).toBe(events.length);
  }, 120_000);

  it("keeps the request's order in the ids although rows are written in key order", async () => {
    const events = ["z", "m", "a"].map((sid) => ({
      user: "u1",
      item: "i1",
      ts: 1_710_000_000_000,
      kind: "play",
      source: "order",
      sourceEventId: sid,
    }));
    const res = await fetch(`${server.origin}/api/behaviors`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(events),
    });
    expect(res.status).toBe(200);
    const { rows } = await pool().query(
      `SELECT source_event_id AS sid FROM behaviors WHERE source = 'order' ORDER BY id`,
    );
    expect(rows.map((r) => r.sid)).toEqual(["z", "m", "a"]);
  });
});
