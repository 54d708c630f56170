import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { copyText } from "../db/copy";
import {
  histogramJson,
  userPartitionStateSchema,
  type BehaviorEvent,
  type Partition,
  type UserPartitionState,
} from "../liber/ubsp";
import type { Queryable } from "./configs";

/**
 * Reading behaviours for the partitioner and writing its output (partitions with their
 * behaviour ids, partition_states with the open cache's ids). Shared by the ingest hook, recompute and the benchmark. Bulk writes use
 * COPY; every function takes the client of the caller's transaction.
 */

/** The histogram weight of a behaviour: the rating for kind "rate" (when usable), else 1. */
export const WEIGHT_SQL = `CASE WHEN b.kind = 'rate' AND b.value >= 0 AND b.value < 'Infinity'::float8 THEN b.value ELSE 1 END`;

/**
 * The columns the partitioner needs, in this order (rowMode "array": no object per row):
 * user_id, id, ts (epoch ms), item_id, weight. Numbers only: categories come per item.
 */
export const EVENT_COLUMNS = `b.user_id, b.id::float8, round(extract(epoch FROM b.ts) * 1000)::float8, b.item_id, (${WEIGHT_SQL})::float8`;

type EventRow = [userId: number, id: number, ts: number, itemId: number, weight: number];

export interface UserEvents {
  userId: number;
  /** In (ts, id) order. */
  events: BehaviorEvent[];
}

const NO_CATEGORIES: readonly string[] = Object.freeze([]);

/** items.categories by item id, loaded on demand and shared by all events of an item. */
export class ItemCategories {
  private readonly byItem = new Map<number, readonly string[]>();

  async load(q: Queryable, itemIds: Iterable<number>): Promise<void> {
    const missing: number[] = [];
    for (const id of itemIds) if (!this.byItem.has(id)) missing.push(id);
    if (missing.length === 0) return;
    // One JSON text for all of them: parsing ~10,000 text[] values row by row cost ~50 ms of
    // CPU here (an import's whole catalogue), JSON.parse of the same takes a few.
    const { rows } = await q.query<{ j: string | null }>({
      text: `SELECT json_agg(json_build_array(id, categories))::text AS j FROM items WHERE id = ANY($1::int[])`,
      values: [[...new Set(missing)]],
    });
    const pairs = JSON.parse(rows[0]?.j ?? "[]") as [number, string[] | null][];
    for (const [id, categories] of pairs) this.byItem.set(id, categories ? dedupe(categories) : NO_CATEGORIES);
    for (const id of missing) if (!this.byItem.has(id)) this.byItem.set(id, NO_CATEGORIES);
  }

  /** Categories already read by the caller (null: none), so that load() does not read them again. */
  preset(known: ReadonlyMap<number, readonly string[] | null>): void {
    for (const [id, categories] of known) this.byItem.set(id, categories ? dedupe(categories) : NO_CATEGORIES);
  }

  get(itemId: number): readonly string[] {
    return this.byItem.get(itemId) ?? NO_CATEGORIES;
  }
}

/** The partitioner expects distinct categories per event; an item's list may repeat one. */
function dedupe(categories: readonly string[]): readonly string[] {
  return new Set(categories).size === categories.length ? categories : [...new Set(categories)];
}

function toEvent(row: EventRow, items: ItemCategories): BehaviorEvent {
  return { id: row[1], ts: row[2], itemId: row[3], categories: items.get(row[3]), weight: row[4] };
}

/**
 * Runs `sql` (selecting EVENT_COLUMNS ordered by user_id, ts, id) through a cursor and hands
 * over complete users, a fetch at a time: memory stays bounded however many rows match. Needs
 * a transaction (the caller's).
 */
export async function forEachUserChunk(
  client: pg.ClientBase,
  sql: string,
  params: unknown[],
  onUsers: (users: UserEvents[]) => Promise<void>,
  opts: { fetchSize?: number; items?: ItemCategories } = {},
): Promise<void> {
  const fetchSize = opts.fetchSize ?? 50_000;
  const items = opts.items ?? new ItemCategories();
  const cursor = "liber_ubsp_events";
  // All rows will be read: plan for total time (a sort), not the first rows (an index walk over
  // the whole table), and sort in memory. For the rest of the caller's transaction.
  await client.query(`SET LOCAL cursor_tuple_fraction = 1; SET LOCAL work_mem = '64MB'`);
  await client.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`, params);
  let pending: EventRow[] = []; // rows of the last user of the previous fetch (maybe incomplete)
  try {
    for (;;) {
      const { rows } = await client.query<EventRow>({ text: `FETCH ${fetchSize} FROM ${cursor}`, rowMode: "array" });
      const done = rows.length < fetchSize;
      const all = pending.length > 0 ? pending.concat(rows) : rows;
      if (all.length === 0) break;
      // Everything up to the last user's first row is complete (unless the cursor is exhausted).
      let cut = all.length;
      if (!done) {
        const lastUser = all[all.length - 1]![0];
        while (cut > 0 && all[cut - 1]![0] === lastUser) cut--;
      }
      if (cut > 0) {
        const complete = all.slice(0, cut);
        await items.load(client, itemIdsOf(complete));
        await onUsers(groupByUser(complete, items));
      }
      pending = all.slice(cut);
      if (done) break;
    }
  } finally {
    await client.query(`CLOSE ${cursor}`).catch(() => {});
  }
}

function itemIdsOf(rows: readonly EventRow[]): Set<number> {
  const ids = new Set<number>();
  for (const r of rows) ids.add(r[3]);
  return ids;
}

function groupByUser(rows: readonly EventRow[], items: ItemCategories): UserEvents[] {
  const users: UserEvents[] = [];
  let current: UserEvents | null = null;
  for (const row of rows) {
    if (current === null || current.userId !== row[0]) {
      current = { userId: row[0], events: [] };
      users.push(current);
    }
    current.events.push(toEvent(row, items));
  }
  return users;
}

/** Reads whole logs of the given users, (ts, id) ordered, grouped by user (no cursor: bounded by the caller). */
export async function readUserLogs(
  q: Queryable,
  userIds: readonly number[],
  items: ItemCategories,
): Promise<UserEvents[]> {
  if (userIds.length === 0) return [];
  const { rows } = await q.query<EventRow>({
    text: `SELECT ${EVENT_COLUMNS} FROM behaviors b WHERE b.user_id = ANY($1::int[]) ORDER BY b.user_id, b.ts, b.id`,
    values: [userIds],
    rowMode: "array",
  });
  await items.load(q, itemIdsOf(rows));
  return groupByUser(rows, items);
}

/**
 * For small sets (an API request, one appended event): runs `sql`, which selects
 * EVENT_COLUMNS followed by i.categories (behaviors b joined to items i) ordered by user_id,
 * ts, id, in one round trip.
 */
export async function readEventsWithCategories(q: Queryable, sql: string, params: unknown[]): Promise<UserEvents[]> {
  const { rows } = await q.query<[...EventRow, string[]]>({ text: sql, values: params, rowMode: "array" });
  const users: UserEvents[] = [];
  let current: UserEvents | null = null;
  for (const row of rows) {
    if (current === null || current.userId !== row[0]) {
      current = { userId: row[0], events: [] };
      users.push(current);
    }
    current.events.push({ id: row[1], ts: row[2], itemId: row[3], categories: dedupe(row[5]), weight: row[4] });
  }
  return users;
}

export interface SavedState {
  state: UserPartitionState;
  eventsSeen: number;
  /** The open cache's behaviour ids (partition_states.open_behavior_ids). */
  openIds: number[];
}

/**
 * Locks and loads the saved states of `userIds` under `configId` (FOR UPDATE, in user order so
 * that concurrent writers cannot deadlock), with each user's event counter, in one query. A
 * state that does not validate counts as missing: its user is then replayed from the log.
 */
export async function lockStates(
  client: Queryable,
  configId: number,
  userIds: readonly number[],
): Promise<Map<number, { saved: SavedState | null; eventCount: number }>> {
  const { rows } = await client.query<{
    id: number;
    event_count: number;
    state: unknown;
    events_seen: number | null;
    open_ids: number[] | null;
  }>(
    `SELECT u.id, u.event_count, s.state, s.events_seen, s.open_behavior_ids::float8[] AS open_ids
       FROM users u
       LEFT JOIN LATERAL (
         SELECT state, events_seen, open_behavior_ids FROM partition_states WHERE user_id = u.id AND config_id = $1 FOR UPDATE
       ) s ON true
      WHERE u.id = ANY($2::int[]) ORDER BY u.id`,
    [configId, userIds],
  );
  const out = new Map<number, { saved: SavedState | null; eventCount: number }>();
  for (const r of rows) {
    const parsed = r.state === null ? null : userPartitionStateSchema.safeParse(r.state);
    out.set(r.id, {
      saved: parsed?.success ? { state: parsed.data, eventsSeen: r.events_seen ?? 0, openIds: r.open_ids ?? [] } : null,
      eventCount: r.event_count,
    });
  }
  return out;
}

/** What one user's advance or replay produced, ready to write. */
export interface UserOutput {
  userId: number;
  state: UserPartitionState;
  eventsSeen: number;
  sealed: readonly Partition[];
  /** The user's events that were fed, with the seq of the cache each joined. */
  events: readonly BehaviorEvent[];
  seqs: Int32Array;
  /** The input state's open cache: its seq (input nextSeq) and its behaviour ids. Replays: 0 and []. */
  openSeqBefore: number;
  openIdsBefore: readonly number[];
}

/** Behaviour ids per sealed partition (in `sealed` order) and of the open cache after the advance. */
export function membership(o: UserOutput): { sealed: number[][]; open: number[] } {
  const bySeq = new Map<number, number[]>();
  for (let i = 0; i < o.events.length; i++) {
    const seq = o.seqs[i]!;
    let ids = bySeq.get(seq);
    if (!ids) bySeq.set(seq, (ids = []));
    ids.push(o.events[i]!.id);
  }
  const of = (seq: number) => {
    const fresh = bySeq.get(seq) ?? [];
    return seq === o.openSeqBefore && o.openIdsBefore.length > 0 ? [...o.openIdsBefore, ...fresh] : fresh;
  };
  return { sealed: o.sealed.map((p) => of(p.seq)), open: of(o.state.nextSeq) };
}

/** A bigint[] literal of ids (numbers only: safe to inline or to COPY as is). */
function idArray(ids: readonly number[]): string {
  return `{${ids.join(",")}}`;
}

/** Up to this many events, outputs are written in one statement; above, with COPY. */
const SMALL_WRITE = 2_000;

/** Writes partitions, memberships and states of a set of users. */
export async function writeOutputs(
  client: pg.ClientBase,
  configId: number,
  outputs: readonly UserOutput[],
): Promise<void> {
  if (outputs.length === 0) return;
  let events = 0;
  for (const o of outputs) events += o.events.length;
  const members = outputs.map(membership);
  if (events <= SMALL_WRITE) return writeSmall(client, configId, outputs, members);
  await copyPartitions(client, configId, outputs, members);
  await upsertStates(client, configId, outputs, members);
}

const iso = (ms: number) => new Date(ms).toISOString();

const TS = (x: string) => `timestamptz 'epoch' + ${x} * interval '1 millisecond'`;

/**
 * Partitions, memberships and states in ONE statement (data-modifying CTEs), arrays as
 * parameters: the per-event path (an appended event) is one round trip. Memberships upsert,
 * so that rows left by deleted behaviours whose ids came back cannot get in the way.
 */
async function writeSmall(
  client: Queryable,
  configId: number,
  outputs: readonly UserOutput[],
  members: readonly { sealed: number[][]; open: number[] }[],
): Promise<void> {
  const p = {
    user: [] as number[],
    seq: [] as number[],
    first: [] as number[],
    last: [] as number[],
    start: [] as number[],
    end: [] as number[],
    sealedAt: [] as number[],
    count: [] as number[],
    histogram: [] as string[],
    reason: [] as string[],
    hash: [] as string[],
    late: [] as number[],
    ids: [] as string[],
  };
  outputs.forEach((o, k) => {
    o.sealed.forEach((x, j) => {
      p.ids.push(idArray(members[k]!.sealed[j]!));
      p.user.push(o.userId);
      p.seq.push(x.seq);
      p.first.push(x.firstBehaviorId);
      p.last.push(x.lastBehaviorId);
      p.start.push(x.startTs);
      p.end.push(x.endTs);
      p.sealedAt.push(x.sealedAtTs);
      p.count.push(x.count);
      p.histogram.push(histogramJson(x.categoryHistogram));
      p.reason.push(x.sealReason);
      p.hash.push(x.contentHash);
      p.late.push(x.lateCount);
    });
  });
  await client.query(
    `WITH sealed AS (
       INSERT INTO partitions (user_id, config_id, seq, first_behavior_id, last_behavior_id, start_ts, end_ts, sealed_at_ts,
                               count, category_histogram, seal_reason, content_hash, late_count, behavior_ids)
       SELECT u, $1, q, f, l, ${TS("s")}, ${TS("e")}, ${TS("a")}, c, h::jsonb, r, x, lc, ids::bigint[]
         FROM unnest($2::int[], $3::int[], $4::bigint[], $5::bigint[], $6::float8[], $7::float8[], $8::float8[],
                     $9::int[], $10::text[], $11::text[], $12::text[], $13::int[], $14::text[])
              AS t(u, q, f, l, s, e, a, c, h, r, x, lc, ids)
     )
     INSERT INTO partition_states (user_id, config_id, state, events_seen, open_behavior_ids)
     SELECT u, $1, s::jsonb, n, ids::bigint[] FROM unnest($15::int[], $16::text[], $17::int[], $18::text[]) AS t(u, s, n, ids)
     ON CONFLICT (user_id, config_id) DO UPDATE
       SET state = EXCLUDED.state, events_seen = EXCLUDED.events_seen, open_behavior_ids = EXCLUDED.open_behavior_ids,
           updated_at = now()`,
    [
      configId,
      p.user,
      p.seq,
      p.first,
      p.last,
      p.start,
      p.end,
      p.sealedAt,
      p.count,
      p.histogram,
      p.reason,
      p.hash,
      p.late,
      p.ids,
      outputs.map((o) => o.userId),
      outputs.map((o) => JSON.stringify(o.state)),
      outputs.map((o) => o.eventsSeen),
      members.map((m) => idArray(m.open)),
    ],
  );
}

async function copyPartitions(
  client: pg.ClientBase,
  configId: number,
  outputs: readonly UserOutput[],
  members: readonly { sealed: number[][] }[],
): Promise<void> {
  const lines: string[] = [];
  outputs.forEach((o, k) => {
    o.sealed.forEach((p, j) => {
      lines.push(
        `${o.userId}\t${configId}\t${p.seq}\t${p.firstBehaviorId}\t${p.lastBehaviorId}\t${iso(p.startTs)}\t${iso(p.endTs)}\t` +
          `${iso(p.sealedAtTs)}\t${p.count}\t${copyText(histogramJson(p.categoryHistogram))}\t${p.sealReason}\t${p.contentHash}\t${p.lateCount}\t` +
          `${idArray(members[k]!.sealed[j]!)}\n`,
      );
    });
  });
  if (lines.length === 0) return;
  await copyLines(
    client,
    `COPY partitions (user_id, config_id, seq, first_behavior_id, last_behavior_id, start_ts, end_ts, sealed_at_ts,
       count, category_histogram, seal_reason, content_hash, late_count, behavior_ids) FROM STDIN`,
    lines,
  );
}

async function upsertStates(
  client: Queryable,
  configId: number,
  outputs: readonly UserOutput[],
  members: readonly { open: number[] }[],
): Promise<void> {
  await client.query(
    `INSERT INTO partition_states (user_id, config_id, state, events_seen, open_behavior_ids)
     SELECT u, $1, s::jsonb, n, ids::bigint[] FROM unnest($2::int[], $3::text[], $4::int[], $5::text[]) AS t(u, s, n, ids)
     ON CONFLICT (user_id, config_id) DO UPDATE
       SET state = EXCLUDED.state, events_seen = EXCLUDED.events_seen, open_behavior_ids = EXCLUDED.open_behavior_ids,
           updated_at = now()`,
    [
      configId,
      outputs.map((o) => o.userId),
      outputs.map((o) => JSON.stringify(o.state)),
      outputs.map((o) => o.eventsSeen),
      members.map((m) => idArray(m.open)),
    ],
  );
}

/** Forgets everything stored for these users under a config (before a replay). */
export async function deleteUserPartitions(
  client: Queryable,
  configId: number,
  userIds: readonly number[],
): Promise<void> {
  if (userIds.length === 0) return;
  for (const table of ["partitions", "partition_states"]) {
    await client.query(`DELETE FROM ${table} WHERE config_id = $1 AND user_id = ANY($2::int[])`, [configId, userIds]);
  }
}

async function copyLines(client: pg.ClientBase, sql: string, lines: readonly string[]): Promise<void> {
  await pipeline(Readable.from(chunked(lines)), client.query(copyFrom(sql)));
}

/** Joins COPY lines into ~1 MB strings: far fewer stream writes than one per row. */
function* chunked(lines: readonly string[]): Generator<string> {
  const per = 8192;
  for (let i = 0; i < lines.length; i += per) yield lines.slice(i, i + per).join("");
}

/**
 * Serialises advances and recomputes of one config: ingestion takes the shared lock (ingests
 * run side by side; per-user state rows are locked FOR UPDATE), a recompute the exclusive one,
 * so that it never interleaves with an ingest of the same users. Released at commit.
 */
export const LOCK_NAMESPACE = 0x55425350; // "UBSP"

export async function lockConfigShared(client: Queryable, configId: number): Promise<void> {
  await client.query(`SELECT pg_advisory_xact_lock_shared($1, $2)`, [LOCK_NAMESPACE, configId]);
}

export async function lockConfigExclusive(client: Queryable, configId: number): Promise<void> {
  await client.query(`SELECT pg_advisory_xact_lock($1, $2)`, [LOCK_NAMESPACE, configId]);
}
