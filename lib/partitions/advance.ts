import { AsyncLocalStorage } from "node:async_hooks";
import type pg from "pg";
import { advance, initialState, replay, type PartitionConfig } from "../liber/ubsp";
import { ACTIVE_LABEL, ensureActiveConfig, type Queryable } from "./configs";
import {
  deleteUserPartitions,
  EVENT_COLUMNS,
  forEachUserChunk,
  ItemCategories,
  lockConfigShared,
  LOCK_NAMESPACE,
  lockStates,
  readEventsWithCategories,
  readUserLogs,
  writeOutputs,
  type UserEvents,
  type UserOutput,
} from "./store";

/**
 * The ingest hook: advances the active config's partitions by newly inserted behaviours, in the
 * transaction that inserted them (so that a crash never leaves the log and the partitions
 * disagreeing).
 *
 * Only the new rows are read (joined to their items' categories), grouped by user; each user's
 * saved state is locked FOR UPDATE and advanced; the partitions sealed on the way, the new
 * rows' memberships (id arrays: partitions.behavior_ids, partition_states.open_behavior_ids) and the new states are written. Sealed history is never re-read, so the
 * work per event does not grow with the user's history.
 *
 * One exception keeps the result exact: a user whose saved state has not seen all of their
 * earlier events (no state yet under a newly activated version, or events written while
 * another version was active) is replayed from their full log instead. The test is
 * `events_seen + new events = users.event_count`, the counter ingestion maintains.
 */

export interface AdvanceSummary {
  /** The active config advanced (null when there was nothing to do). */
  configId: number | null;
  users: number;
  /** New events fed to the partitioner. */
  events: number;
  /** Partitions sealed (including those of replayed users). */
  sealed: number;
  /** Users replayed from their full log because their state was missing or behind. */
  replayedUsers: number;
}

const NOTHING: Readonly<AdvanceSummary> = Object.freeze({
  configId: null,
  users: 0,
  events: 0,
  sealed: 0,
  replayedUsers: 0,
});

/**
 * Advances the active config by these behaviours, just inserted in the caller's transaction
 * and not advanced yet. The caller has bumped their users' event_count as the loader does (a
 * user whose counter disagrees is replayed from the log rather than advanced).
 */
export async function advanceActivePartitions(
  client: pg.ClientBase,
  insertedBehaviorIds: readonly number[],
): Promise<AdvanceSummary> {
  if (insertedBehaviorIds.length === 0) return NOTHING;
  const items = new ItemCategories();
  const source = { where: "b.id = ANY($1::bigint[])", params: [insertedBehaviorIds] };
  return advanceNewBehaviors(
    client,
    { feed: readNewBehaviors(client, source, insertedBehaviorIds.length, items) },
    items,
  );
}

/**
 * For the loader (bulk imports and POST /api/behaviors): call beginPartitionTracking right after
 * BEGIN and advanceInsertedBehaviors just before COMMIT. The latter finds every behaviour this
 * transaction inserted, whichever path inserted it (COPY, INSERT ... SELECT, a retry from a
 * savepoint), and advances them once:
 * - begin records the behaviour id sequence's last value (transaction-local setting): every row
 *   inserted afterwards has a larger id;
 * - among the rows above it, ours are those whose inserting transaction (xmin: our own, or one
 *   of our subtransactions) is still in progress: rows of other transactions are either
 *   committed, or invisible to us. Only the distinct xmins are looked up (one per batch).
 * Advancing once per transaction rather than per batch also matters for the result: imports
 * are rarely in time order (MovieLens ratings come user by user, tags after ratings), and
 * per-batch advances would turn much of a user's history into late events, while one advance
 * per transaction sees each user's new events in (ts, id) order.
 */
const TRACKING_SETTING = "liber.ubsp_inserted_after";
const LAST_BEHAVIOR_ID = `coalesce(pg_sequence_last_value(pg_get_serial_sequence('behaviors', 'id')::regclass), 0)`;

/** The statement of beginPartitionTracking, for callers that send it with others in one round trip. */
export const BEGIN_PARTITION_TRACKING_SQL = `SELECT set_config('${TRACKING_SETTING}', ${LAST_BEHAVIOR_ID}::text, true)`;

export async function beginPartitionTracking(client: Queryable): Promise<void> {
  await client.query(BEGIN_PARTITION_TRACKING_SQL);
}

const hookSkipped = new AsyncLocalStorage<true>();

/**
 * Runs `action` with the ingest hook skipped: for the benchmark that measures what the hook
 * costs. Users ingested meanwhile are caught up (replayed) by their next ingest or a recompute.
 */
export function withoutIngestHook<T>(action: () => Promise<T>): Promise<T> {
  return hookSkipped.run(true, action);
}

/** Advances the active config by every behaviour this transaction inserted since beginPartitionTracking. */
export async function advanceInsertedBehaviors(client: pg.ClientBase): Promise<AdvanceSummary> {
  if (hookSkipped.getStore()) return NOTHING;
  // Our transaction ids among the rows inserted since BEGIN, with how many rows each wrote: one
  // range scan, grouped by xmin (one group per batch savepoint, plus any concurrent writer's).
  const { rows } = await client.query<{ after: string | null; xid: string | null; n: number | null }>(
    `WITH t AS (SELECT nullif(current_setting('${TRACKING_SETTING}', true), '')::bigint AS after),
     g AS (SELECT xmin AS x, count(*)::float8 AS n FROM behaviors, t WHERE id > t.after GROUP BY xmin),
     me AS (SELECT pg_current_xact_id()::text::bigint AS xid),
     -- xmin is 32 bits: put it in the epoch of our own 64-bit xid (our subtransactions are a bit above it)
     full_xid AS (SELECT g.x, g.n, ((me.xid >> 32) << 32) + g.x::text::bigint AS f, me.xid FROM g, me),
     mine AS (
       SELECT x, n FROM full_xid
        WHERE pg_xact_status((f + CASE WHEN f > xid + 2147483648 THEN -4294967296
                                       WHEN f < xid - 2147483648 THEN 4294967296 ELSE 0 END)::text::xid8) = 'in progress')
     SELECT t.after::text AS after, mine.x::text AS xid, mine.n FROM t LEFT JOIN mine ON true`,
  );
  const after = rows[0]!.after;
  if (after === null)
    throw new Error("advanceInsertedBehaviors: call beginPartitionTracking in this transaction first");
  const xids = rows.filter((r) => r.xid !== null).map((r) => r.xid!);
  const count = rows.reduce((sum, r) => sum + (r.n ?? 0), 0);
  if (count === 0) return NOTHING;
  const items = new ItemCategories();
  const source = { where: "b.id > $1 AND b.xmin = ANY($2::text[]::xid[])", params: [after, xids] };
  const summary = await advanceNewBehaviors(client, { feed: readNewBehaviors(client, source, count, items) }, items);
  // Advanced: a second call in the same transaction must not feed them again.
  await beginPartitionTracking(client);
  return summary;
}

/** The new behaviours: `SELECT ... FROM behaviors b [JOIN items i] WHERE <where>`. */
interface NewBehaviors {
  where: string;
  params: unknown[];
}

/**
 * The rows a writer inserted, as it holds them (column by column; index k is one row): what
 * the partitioner needs of each, so that the hook does not read them back from the table.
 * `weight` follows WEIGHT_SQL (see store.ts: the rating for kind "rate", else 1).
 */
export interface InsertedRows {
  userIds: number[];
  ids: number[];
  tsMs: number[];
  itemIds: number[];
  weights: number[];
  /** Categories of some of these items as they stand now, when the writer read them anyway. */
  knownCategories?: ReadonlyMap<number, readonly string[] | null>;
}

/**
 * Advances the active config by rows this transaction inserted, handed over by the writer
 * instead of read back (the loader's bulk path, which knows every row it COPYed: ids drawn
 * from the sequence, user and item ids resolved, ts and weight from the parsed event). The
 * caller guarantees that these are exactly the rows it inserted and nothing else (no row
 * rejected by the unique index, no other insert in the transaction), and has bumped their
 * users' event_count, like advanceInsertedBehaviors expects. Same result as reading them back:
 * each user's new events are fed in (ts, id) order, late ones included.
 */
export async function advanceHandedBehaviors(
  client: pg.ClientBase,
  rows: InsertedRows,
  /** Statements of the caller's (no parameters) to send in the same round trip as the first of the hook's. */
  prelude: readonly string[] = [],
): Promise<AdvanceSummary> {
  if (hookSkipped.getStore() || rows.ids.length === 0) {
    if (prelude.length > 0) await client.query(prelude.join(";\n"));
    return NOTHING;
  }
  const items = new ItemCategories();
  if (rows.knownCategories) items.preset(rows.knownCategories);
  await items.load(client, new Set(rows.itemIds));
  // Rows per user, in (ts, id) order within each user; users in id order (like the read path).
  const byUser = new Map<number, number[]>();
  for (let k = 0; k < rows.ids.length; k++) {
    const u = rows.userIds[k]!;
    const list = byUser.get(u);
    if (list) list.push(k);
    else byUser.set(u, [k]);
  }
  const { tsMs, ids } = rows;
  const userIds = [...byUser.keys()].sort((a, b) => a - b);
  const eventsOf = (userId: number): UserEvents => {
    const list = byUser.get(userId)!;
    let ordered = true;
    for (let j = 1; j < list.length && ordered; j++) {
      const a = list[j - 1]!;
      const b = list[j]!;
      ordered = tsMs[a]! < tsMs[b]! || (tsMs[a] === tsMs[b] && ids[a]! < ids[b]!);
    }
    if (!ordered) list.sort((a, b) => tsMs[a]! - tsMs[b]! || ids[a]! - ids[b]!);
    return {
      userId,
      events: list.map((k) => ({
        id: ids[k]!,
        ts: tsMs[k]!,
        itemId: rows.itemIds[k]!,
        categories: items.get(rows.itemIds[k]!),
        weight: rows.weights[k]!,
      })),
    };
  };
  // Groups of users of about HANDED_GROUP events; their events are built when their turn comes
  // (memory stays bounded by two groups): states are locked and outputs written a group at a time.
  const eventsBuilder = (users: number[]) => () => users.map(eventsOf);
  const groups: UserGroup[] = [];
  let group: number[] = [];
  let events = 0;
  for (const userId of userIds) {
    group.push(userId);
    events += byUser.get(userId)!.length;
    if (events >= HANDED_GROUP) {
      groups.push({ userIds: group, build: eventsBuilder(group) });
      group = [];
      events = 0;
    }
  }
  if (group.length > 0) groups.push({ userIds: group, build: eventsBuilder(group) });
  return advanceNewBehaviors(client, { groups }, items, prelude);
}

/** Users whose events are fed together; `build` makes their events (in (ts, id) order). */
interface UserGroup {
  userIds: number[];
  build: () => UserEvents[];
}

/**
 * Events per group of the handed path (see advanceHandedBehaviors): small enough that the
 * groups' advance (node) and writes (PostgreSQL) overlap, large enough that statements stay few.
 */
const HANDED_GROUP = 20_000;

/**
 * Up to this many new events, one query reads them with their categories; above, a cursor
 * streams them a user group at a time (memory stays bounded for imports of any size).
 */
const SMALL_READ = 5_000;

function readNewBehaviors(client: pg.ClientBase, source: NewBehaviors, atMost: number, items: ItemCategories) {
  const order = "ORDER BY b.user_id, b.ts, b.id";
  return async (advanceUsers: (users: UserEvents[]) => Promise<void>) => {
    if (atMost <= SMALL_READ) {
      const sql = `SELECT ${EVENT_COLUMNS}, i.categories FROM behaviors b JOIN items i ON i.id = b.item_id WHERE ${source.where} ${order}`;
      await advanceUsers(await readEventsWithCategories(client, sql, source.params));
    } else {
      const sql = `SELECT ${EVENT_COLUMNS} FROM behaviors b WHERE ${source.where} ${order}`;
      await forEachUserChunk(client, sql, source.params, advanceUsers, { items });
    }
  };
}

/**
 * Locks the active config, then advances the users `feed` hands over (complete users, in
 * groups; each user's new events in (ts, id) order); users whose saved state is behind are
 * replayed from their log at the end.
 */
async function advanceNewBehaviors(
  client: pg.ClientBase,
  input:
    | { feed: (advanceUsers: (users: UserEvents[]) => Promise<void>) => Promise<void> }
    | { groups: readonly UserGroup[] },
  items: ItemCategories,
  prelude: readonly string[] = [],
): Promise<AdvanceSummary> {
  const { id: configId, config } = await lockActiveConfig(client, prelude);
  const behind: number[] = [];
  const summary: AdvanceSummary = { configId, users: 0, events: 0, sealed: 0, replayedUsers: 0 };

  const outputsOf = (users: UserEvents[], states: Awaited<ReturnType<typeof lockStates>>): UserOutput[] => {
    const outputs: UserOutput[] = [];
    for (const { userId, events } of users) {
      const { saved, eventCount } = states.get(userId) ?? { saved: null, eventCount: 0 };
      if ((saved?.eventsSeen ?? 0) + events.length !== eventCount) {
        behind.push(userId);
        continue;
      }
      const r = advance(config, saved?.state ?? initialState(), events, { assignments: true });
      outputs.push({
        userId,
        state: r.state,
        eventsSeen: eventCount,
        sealed: r.sealed,
        events,
        seqs: r.assignments!,
        openSeqBefore: saved?.state.nextSeq ?? 0,
        openIdsBefore: saved?.openIds ?? [],
      });
      summary.users++;
      summary.events += events.length;
      summary.sealed += r.sealed.length;
    }
    return outputs;
  };

  if ("feed" in input) {
    await input.feed(async (users) => {
      if (users.length === 0) return;
      const states = await lockStates(
        client,
        configId,
        users.map((u) => u.userId),
      );
      await writeOutputs(client, configId, outputsOf(users, states));
    });
  } else {
    // Pipelined: the next group's states are asked for before this group's outputs are sent,
    // so that the connection answers them first and this process advances the next group
    // while PostgreSQL writes this one. States are still locked in ascending user order.
    const { groups } = input;
    let writing: Promise<void> = Promise.resolve();
    try {
      let nextStates = groups.length > 0 ? lockStates(client, configId, groups[0]!.userIds) : null;
      for (let k = 0; k < groups.length; k++) {
        const states = await nextStates!;
        nextStates = k + 1 < groups.length ? lockStates(client, configId, groups[k + 1]!.userIds) : null;
        nextStates?.catch(() => {}); // awaited on the next turn
        const outputs = outputsOf(groups[k]!.build(), states);
        writing = writing.then(() => writeOutputs(client, configId, outputs));
        writing.catch(() => {}); // awaited below
      }
    } catch (err) {
      await writing; // a failed write is the first error, the later statements' only follow from it
      throw err;
    }
    await writing;
  }

  if (behind.length > 0) {
    const replayed = await replayUsers(client, configId, config, behind, items);
    summary.users += behind.length;
    summary.replayedUsers = behind.length;
    summary.events += replayed.events;
    summary.sealed += replayed.partitions;
  }
  return summary;
}

/**
 * The active version (created as default@1 when there is none), with the config's shared
 * lock taken: in one round trip in the usual case.
 */
async function lockActiveConfig(
  client: Queryable,
  prelude: readonly string[] = [],
): Promise<{ id: number; config: PartitionConfig }> {
  // Constants inlined (a multi-statement query takes no parameters): the label is a fixed word.
  const sql = `SELECT c.id, c.config, pg_advisory_xact_lock_shared(${LOCK_NAMESPACE}, c.id)
       FROM partition_config_labels l JOIN partition_configs c ON c.id = l.config_id WHERE l.label = '${ACTIVE_LABEL}'`;
  const answer = await client.query<{ id: number; config: PartitionConfig }>([...prelude, sql].join(";\n"));
  const results = [answer].flat() as unknown as pg.QueryResult<{ id: number; config: PartitionConfig }>[];
  const rows = results[results.length - 1]!.rows;
  if (rows[0]) return rows[0];
  const created = await ensureActiveConfig(client);
  await lockConfigShared(client, created.id);
  return created;
}

/** Users per replay round trip: bounded so that one user group's log stays modest in memory. */
const REPLAY_GROUP = 200;

/**
 * Replays users from their full logs under `config`: deletes what is stored for them, then
 * writes partitions, memberships and states from scratch. In the caller's transaction.
 */
export async function replayUsers(
  client: pg.ClientBase,
  configId: number,
  config: PartitionConfig,
  userIds: readonly number[],
  items: ItemCategories = new ItemCategories(),
): Promise<{ events: number; partitions: number }> {
  let events = 0;
  let partitions = 0;
  for (let i = 0; i < userIds.length; i += REPLAY_GROUP) {
    const group = userIds.slice(i, i + REPLAY_GROUP);
    await deleteUserPartitions(client, configId, group);
    const logs = await readUserLogs(client, group, items);
    const outputs: UserOutput[] = logs.map((u) => {
      const r = replay(config, u.events, { assignments: true });
      events += u.events.length;
      partitions += r.sealed.length;
      return {
        userId: u.userId,
        state: r.state,
        eventsSeen: u.events.length,
        sealed: r.sealed,
        events: u.events,
        seqs: r.assignments!,
        openSeqBefore: 0,
        openIdsBefore: [],
      };
    });
    await writeOutputs(client, configId, outputs);
  }
  return { events, partitions };
}
