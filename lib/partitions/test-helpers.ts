import fs from "node:fs";
import path from "node:path";
import { pool } from "../db/client";
import { ingestApiEvents } from "../ingest/api";
import type { Partition, UserPartitionState } from "../liber/ubsp";
import { ItemCategories, readUserLogs, type UserEvents } from "./store";

// Test support for the partitions integration tests: data goes in through the real ingestion
// path (ingestApiEvents, what POST /api/behaviors calls), and what is stored is read back in
// the partitioner's own shapes so that it can be compared with replay().

export interface TestEvent {
  user: string;
  item: string;
  ts: number;
  kind?: string;
  value?: number | null;
}

export async function insertItems(
  items: readonly { externalId: string; title?: string; categories: string[] }[],
): Promise<void> {
  await pool().query(
    `INSERT INTO items (external_id, title, categories)
     SELECT e, coalesce(t, e), c::text[] FROM unnest($1::text[], $2::text[], $3::text[]) AS x(e, t, c)
     ON CONFLICT (external_id) DO UPDATE SET categories = EXCLUDED.categories`,
    [
      items.map((i) => i.externalId),
      items.map((i) => i.title ?? null),
      items.map((i) => `{${i.categories.map((c) => `"${c.replace(/["\\]/g, "\\$&")}"`).join(",")}}`),
    ],
  );
}

/** Ingests through the API path (one transaction, the ingest hook included). */
export async function ingest(events: readonly TestEvent[]) {
  const outcome = await ingestApiEvents(
    events.map((e, index) => ({ index, value: { kind: "rate", value: null, ...e } })),
    { mode: "atomic", createUsers: true },
  );
  if (!outcome.committed) throw new Error(`ingest failed: ${JSON.stringify(outcome.result.errors.slice(0, 3))}`);
  return outcome.result;
}

export async function userIdOf(externalId: string): Promise<number> {
  const { rows } = await pool().query<{ id: number }>(`SELECT id FROM users WHERE external_id = $1`, [externalId]);
  if (!rows[0]) throw new Error(`no user ${externalId}`);
  return rows[0].id;
}

/** The user's whole log as the partitioner reads it, (ts, id) ordered. */
export async function userLog(userId: number): Promise<UserEvents["events"]> {
  const [logs] = await readUserLogs(pool(), [userId], new ItemCategories());
  return logs?.events ?? [];
}

/** Stored partitions of a user under a config, in the partitioner's shape. */
export async function storedPartitions(userId: number, configId: number): Promise<Partition[]> {
  const { rows } = await pool().query(
    `SELECT seq, first_behavior_id::float8 AS "firstBehaviorId", last_behavior_id::float8 AS "lastBehaviorId",
            (extract(epoch FROM start_ts) * 1000)::float8 AS "startTs", (extract(epoch FROM end_ts) * 1000)::float8 AS "endTs",
            count, category_histogram AS "categoryHistogram", seal_reason AS "sealReason", content_hash AS "contentHash",
            late_count AS "lateCount", (extract(epoch FROM sealed_at_ts) * 1000)::float8 AS "sealedAtTs"
       FROM partitions WHERE user_id = $1 AND config_id = $2 ORDER BY seq`,
    [userId, configId],
  );
  return rows as Partition[];
}

export async function storedState(
  userId: number,
  configId: number,
): Promise<{ state: UserPartitionState; eventsSeen: number } | null> {
  const { rows } = await pool().query<{ state: UserPartitionState; events_seen: number }>(
    `SELECT state, events_seen FROM partition_states WHERE user_id = $1 AND config_id = $2`,
    [userId, configId],
  );
  return rows[0] ? { state: rows[0].state, eventsSeen: rows[0].events_seen } : null;
}

/**
 * Every stored membership as rows (config_id, user_id, seq, behavior_id): the sealed
 * partitions' behavior_ids and the open caches' open_behavior_ids. A subquery for FROM.
 */
export const MEMBERS = `(SELECT config_id, user_id, seq, unnest(behavior_ids) AS behavior_id FROM partitions
  UNION ALL
  SELECT config_id, user_id, (state->>'nextSeq')::int, unnest(open_behavior_ids) FROM partition_states)`;

/** seq -> behaviour ids, from the stored memberships. */
export async function storedMembers(userId: number, configId: number): Promise<Map<number, number[]>> {
  const { rows } = await pool().query<{ seq: number; id: number }>(
    `SELECT seq, behavior_id::float8 AS id FROM ${MEMBERS} m WHERE user_id = $1 AND config_id = $2 ORDER BY seq, behavior_id`,
    [userId, configId],
  );
  const out = new Map<number, number[]>();
  for (const r of rows) out.set(r.seq, [...(out.get(r.seq) ?? []), r.id]);
  return out;
}

/** Plain objects (the partitioner's histograms have no prototype) with JSON's number forms. */
export function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export const ML_SMALL = path.resolve(import.meta.dirname, "..", "..", "data", "ml-latest-small");

/**
 * The ratings of a few MovieLens ml-latest-small users (kind "rate", value = rating), in time
 * order, and their movies with genres as categories.
 */
export function movieLensSample(userIds: readonly string[]): {
  events: TestEvent[];
  items: { externalId: string; title: string; categories: string[] }[];
} {
  const wanted = new Set(userIds);
  const events: TestEvent[] = [];
  const lines = fs.readFileSync(path.join(ML_SMALL, "ratings.csv"), "utf8").split("\n").slice(1);
  for (const line of lines) {
    const [user, movie, rating, ts] = line.split(",");
    if (!user || !wanted.has(user)) continue;
    events.push({ user: `ml${user}`, item: `m${movie}`, ts: Number(ts) * 1000, kind: "rate", value: Number(rating) });
  }
  events.sort((a, b) => a.ts - b.ts);
  const movies = new Set(events.map((e) => e.item));
  const items: { externalId: string; title: string; categories: string[] }[] = [];
  for (const line of fs.readFileSync(path.join(ML_SMALL, "movies.csv"), "utf8").split("\n").slice(1)) {
    const first = line.indexOf(",");
    const last = line.lastIndexOf(",");
    const id = `m${line.slice(0, first)}`;
    if (!movies.has(id)) continue;
    const genres = line.slice(last + 1).trim();
    items.push({
      externalId: id,
      title: line.slice(first + 1, last),
      categories: genres === "(no genres listed)" ? [] : genres.split("|"),
    });
  }
  return { events, items };
}
