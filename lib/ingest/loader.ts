import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { copyText, sqlTextLiteral, textArrayLiteral } from "../db/copy";
import { CopyTextWriter } from "../db/copy-writer";
import {
  advanceHandedBehaviors,
  advanceInsertedBehaviors,
  BEGIN_PARTITION_TRACKING_SQL,
  type AdvanceSummary,
  type InsertedRows,
} from "../partitions/advance";
import type { EventBatch, ItemLabels, ItemRecord, UserRecord } from "./records";

/** What to do with an event whose user or item does not exist yet. */
export type UnknownPolicy = "create" | "reject";

export interface LoaderPolicy {
  unknownItems: UnknownPolicy;
  unknownUsers: UnknownPolicy;
  /** false: always let the per-row foreign-key triggers run (see SET_BASED_CHECK_SQL). */
  setBasedForeignKeys?: boolean;
  /** false: always go through the staging table (see copyEvents). */
  directCopy?: boolean;
  /**
   * Insert each batch's rows in (source, source event id) order (the ids still follow the
   * batch's order). Writers that send the same events concurrently then wait on each other in
   * the unique index in one global order instead of deadlocking. For POST /api/behaviors,
   * where concurrent requests are the normal case; an import sorts nothing.
   */
  insertInKeyOrder?: boolean;
  /**
   * Write a batch without first asking which of its events are logged already, unless its
   * source met logged events lately (recentDuplicates). A repeat then stops the COPY at the
   * unique index and the batch is redone through the staging merge, which counts it: the same
   * answer, found later. For POST /api/behaviors, where most requests carry new events and the
   * question was ~8% of a 1,000-event request; an import asks (a re-import is mostly repeats).
   */
  optimisticDuplicates?: boolean;
}

/** A staged row the database side rejected (its item or user is unknown). */
export interface StagedRejection {
  file: number;
  line: number;
  reason: string;
}

export interface EventBatchOutcome {
  inserted: number;
  duplicates: number;
  rejected: StagedRejection[];
  usersCreated: number;
  itemsCreated: number;
}

const UNIQUE_VIOLATION = "23505";

/**
 * Sources whose writes met already logged events in the last minute, in this process: their
 * optimistic batches ask first again (a client that resends keeps paying one question per
 * batch rather than a failed COPY and a merge). Bounded; only a speed hint, never needed for
 * correctness.
 */
class RecentDuplicates {
  private readonly until = new Map<string, number>();

  note(source: string): void {
    if (this.until.size >= 10_000) this.until.clear();
    this.until.set(source, Date.now() + 60_000);
  }

  has(source: string): boolean {
    const until = this.until.get(source);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.until.delete(source);
    return false;
  }
}
const recentDuplicates = new RecentDuplicates();

interface UserCounter {
  n: number;
  /** Earliest and latest ts (epoch ms). */
  first: number;
  last: number;
}
/**
 * Rows handed to the UBSP hook at commit (see BehaviorLoader.handed); above, the hook reads the
 * transaction's rows back from the table instead (a cursor: memory stays bounded).
 */
const HANDED_LIMIT = 2_000_000;
/** Up to this many events, a batch asks which are logged already without first asking whether its source has any. */
const SMALL_BATCH = 5_000;
/** Entries of each id cache (external id -> id) before it is emptied. */
const ID_CACHE_LIMIT = 500_000;
/** The staging table of the merge path, in EventBatch.stageLine's column order. */
const STAGE_EVENTS_TABLE = `liber_stage_events (file int NOT NULL, line int NOT NULL, user_ext text NOT NULL,
  item_ext text NOT NULL, ts_ms bigint NOT NULL, kind text NOT NULL, value float8, text text, source text NOT NULL,
  sid text NOT NULL)`;

/**
 * Writes an import into PostgreSQL inside ONE transaction: the whole import lands, or nothing
 * does (which is also what --strict and the API's all-or-nothing mode need).
 *
 * Each batch is COPYed into a temporary staging table (not WAL-logged, dropped at commit), then
 * merged with set-based statements: create missing users/items, insert the behaviours that are
 * not in the log yet; the users' denormalised counters are bumped from the rows actually inserted,
 * once at commit (counterStatements).
 */
export class BehaviorLoader {
  private released = false;
  private readonly userIds = new Map<string, number>();
  private readonly itemIds = new Map<string, number>();
  /** Sources without any event when first seen by this loader, and no collision since. */
  private readonly sourcesKnownEmpty = new Set<string>();
  private readonly sourcesKnownPresent = new Set<string>();
  /**
   * Statements due after the last COPY (back to normal trigger mode, release its savepoint),
   * sent in front of the next multi-statement round trip, or on their own before any other
   * statement (see flushDeferred).
   */
  private deferred: string[] = [];
  /**
   * Categories of the items resolved by resolveIds (read in the same query), handed to the UBSP
   * hook so that it need not read them again. Null once this transaction may have changed an
   * item's categories (upsertItems, setItemLabels) or past ID_CACHE_LIMIT: the hook reads them.
   */
  private knownCategories: Map<number, readonly string[] | null> | null = new Map();
  /**
   * Users and items this transaction holds FOR KEY SHARE (or created: invisible to others, so
   * nobody can delete them), so each is locked once per import rather than once per batch.
   */
  private readonly keyShared = { users: new BoundedIdSet(), items: new BoundedIdSet() };
  /** Per user: events inserted by this transaction, and their first and last ts (ms); see counterStatements. */
  private readonly counters = new Map<number, UserCounter>();
  /**
   * Every row this transaction inserted, as the UBSP hook needs it (ids drawn from the sequence
   * before the COPY), so that commit() hands them over instead of the hook reading them back.
   * Null once a row went in by another path (the staging merge, whose inserted rows are only
   * known to the database) or past HANDED_LIMIT: commit() then lets the hook find them.
   */
  private handed: InsertedRows | null = { userIds: [], ids: [], tsMs: [], itemIds: [], weights: [] };

  private constructor(
    private readonly client: pg.PoolClient,
    private readonly policy: LoaderPolicy,
    /** See SET_BASED_CHECK_SQL. */
    readonly setBasedForeignKeys: boolean,
    /** behaviors.id's sequence (regclass text), resolved once: per row it costs ~4 us. */
    private readonly idSequence: string,
  ) {}

  static async open(pool: pg.Pool, policy: LoaderPolicy): Promise<BehaviorLoader> {
    const client = await pool.connect();
    try {
      // One round trip: BEGIN, the UBSP hook's tracking (see commit()), and what the writes may do.
      const results = (await client.query(
        `BEGIN; ${BEGIN_PARTITION_TRACKING_SQL}; ${SET_BASED_CHECK_SQL}`,
      )) as unknown as pg.QueryResult[];
      const { ok, seq } = results[2]!.rows[0] as { ok: boolean; seq: string };
      return new BehaviorLoader(client, policy, policy.setBasedForeignKeys !== false && ok, seq);
    } catch (err) {
      client.release(err as Error);
      throw err;
    }
  }

  /**
   * A fresh temporary staging table per batch (dropped with the batch, and at commit at the
   * latest): cheaper here than TRUNCATE, which truncates the table's file in place.
   */
  private async stageEvents(lines: readonly string[]): Promise<void> {
    await this.flushDeferred();
    await this.client.query(
      `DROP TABLE IF EXISTS liber_stage_events; CREATE TEMP TABLE ${STAGE_EVENTS_TABLE} ON COMMIT DROP`,
    );
    await pipeline(Readable.from(chunked(lines)), this.client.query(copyFrom(`COPY liber_stage_events FROM STDIN`)));
  }

  /** Creates new items and updates existing ones (title, given categories/tags, merged attributes). */
  async upsertItems(records: readonly ItemRecord[]): Promise<{ created: number; updated: number }> {
    if (records.length === 0) return { created: 0, updated: 0 };
    const externalIds = records.map((r) => r.externalId);
    // The same id twice in one call: the general statement decides which wins.
    if (new Set(externalIds).size !== records.length) return this.mergeItems(records, { repeats: true });
    // Fast path for items that do not exist yet (a catalogue's first import): COPY them, ~3x
    // cheaper than the insert-or-update statement, under a savepoint; the existing ones take
    // the general statement. Should a concurrent writer create one of the same items meanwhile,
    // the unique index stops the COPY and everything is redone by the general statement.
    const setUp = [...this.takeDeferred(), "SAVEPOINT liber_items"];
    setUp.push(
      `SELECT coalesce(json_agg(external_id), '[]')::text AS j FROM items
        WHERE external_id = ANY(${sqlTextLiteral(textArrayLiteral(externalIds))}::text[])`,
    );
    const results = [await this.client.query(setUp.join(";\n"))].flat();
    const existing = new Set(JSON.parse((results.at(-1)!.rows[0] as { j: string }).j) as string[]);
    const fresh = records.filter((r) => !existing.has(r.externalId));
    try {
      const updated =
        existing.size > 0 ? await this.mergeItems(records.filter((r) => existing.has(r.externalId))) : null;
      if (fresh.length > 0) {
        await pipeline(
          Readable.from(chunked(fresh.map(itemCopyLine))),
          this.client.query(copyFrom(`COPY items (external_id, title, categories, tags, attributes) FROM STDIN`)),
        );
      }
      const made = await this.client.query<{ j: string }>(
        `RELEASE SAVEPOINT liber_items;
         SELECT coalesce(json_agg(json_build_array(id, external_id, categories)), '[]')::text AS j FROM items
          WHERE external_id = ANY(${sqlTextLiteral(textArrayLiteral(fresh.map((r) => r.externalId)))}::text[])`,
      );
      const rows = (JSON.parse(([made].flat().at(-1)!.rows[0] as { j: string }).j) as [number, string, string[]][]).map(
        ([id, external_id, categories]) => ({ id, external_id, created: true, categories }),
      );
      this.rememberCategories(rows);
      await this.cacheResolved(this.itemIds, "items", rows, []);
      return { created: rows.length, updated: updated?.updated ?? 0 };
    } catch (err) {
      if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
      await this.client.query("ROLLBACK TO SAVEPOINT liber_items; RELEASE SAVEPOINT liber_items");
      return this.mergeItems(records);
    }
  }

  /**
   * The general insert-or-update of items (upsertItems), in one statement. `repeats`: some
   * external id comes twice, so which record won is the database's choice (the UBSP hook then
   * reads the categories instead of being handed them).
   */
  private async mergeItems(
    records: readonly ItemRecord[],
    opts: { repeats?: boolean } = {},
  ): Promise<{ created: number; updated: number }> {
    await this.flushDeferred();
    // One statement over the records passed as arrays: no staging table to create and fill.
    // Rows whose content would not change are left alone, so that re-imports write nothing.
    // All parts see the statement's snapshot: the UPDATE only finds items that existed, the
    // INSERT only makes the others, and the final SELECT reads the existing ones' ids and the
    // categories they have after the UPDATE.
    const { rows } = await this.client.query<{ j: string; updated: number }>({
      text: `
      WITH s AS (
        SELECT external_id, title, categories::text[] AS categories, tags::text[] AS tags,
               attributes::jsonb AS attributes
          FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
            AS x(external_id, title, categories, tags, attributes)),
      upd AS (
        UPDATE items i SET
          title = s.title,
          categories = coalesce(s.categories, i.categories),
          tags = coalesce(s.tags, i.tags),
          attributes = i.attributes || s.attributes
        FROM s
        WHERE i.external_id = s.external_id
          AND (i.title, i.categories, i.tags, i.attributes) IS DISTINCT FROM
              (s.title, coalesce(s.categories, i.categories), coalesce(s.tags, i.tags), i.attributes || s.attributes)
        RETURNING 1),
      made AS (
        INSERT INTO items (external_id, title, categories, tags, attributes)
        SELECT s.external_id, s.title, coalesce(s.categories, '{}'), coalesce(s.tags, '{}'), s.attributes
        FROM s
        WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.external_id = s.external_id)
        ON CONFLICT (external_id) DO NOTHING
        RETURNING id, external_id, categories),
      answer AS (
        SELECT id, external_id, true AS created, categories FROM made
        UNION ALL
        SELECT i.id, i.external_id, false, coalesce(s.categories, i.categories)
          FROM items i JOIN s ON s.external_id = i.external_id)
      SELECT coalesce(json_agg(json_build_array(id, external_id, created, categories)), '[]')::text AS j,
             (SELECT count(*) FROM upd)::int AS updated
        FROM answer`,
      values: [
        records.map((r) => r.externalId),
        records.map((r) => r.title),
        records.map((r) => (r.categories ? textArrayLiteral(r.categories) : null)),
        records.map((r) => (r.tags ? textArrayLiteral(r.tags) : null)),
        records.map((r) => JSON.stringify(r.attributes ?? {})),
      ],
    });
    const resolved = (JSON.parse(rows[0]!.j) as [number, string, boolean, string[] | null][]).map(
      ([id, external_id, created, categories]) => ({ id, external_id, created, categories }),
    );
    if (opts.repeats) this.knownCategories = null;
    else this.rememberCategories(resolved);
    // The events that follow refer to these items: cache their ids now.
    await this.cacheResolved(
      this.itemIds,
      "items",
      resolved,
      records.map((r) => r.externalId),
    );
    return { created: resolved.filter((r) => r.created).length, updated: rows[0]!.updated };
  }

  /** Sets categories and/or tags of existing items (those given); unknown ids are ignored. */
  async setItemLabels(records: readonly ItemLabels[]): Promise<number> {
    if (records.length === 0) return 0;
    // Tags alone leave the categories the UBSP hook was handed as they are.
    if (records.some((r) => r.categories !== undefined)) this.knownCategories = null;
    await this.flushDeferred();
    const res = await this.client.query(
      `UPDATE items i SET categories = coalesce(s.categories, i.categories), tags = coalesce(s.tags, i.tags)
         FROM (SELECT external_id, categories::text[] AS categories, tags::text[] AS tags
                 FROM unnest($1::text[], $2::text[], $3::text[]) AS x(external_id, categories, tags)) s
        WHERE i.external_id = s.external_id
          AND (i.categories, i.tags) IS DISTINCT FROM (coalesce(s.categories, i.categories), coalesce(s.tags, i.tags))`,
      [
        records.map((r) => r.externalId),
        records.map((r) => (r.categories ? textArrayLiteral(r.categories) : null)),
        records.map((r) => (r.tags ? textArrayLiteral(r.tags) : null)),
      ],
    );
    return res.rowCount ?? 0;
  }

  /** Creates users and merges the given attributes into existing ones. */
  async upsertUsers(records: readonly UserRecord[]): Promise<{ created: number; updated: number }> {
    if (records.length === 0) return { created: 0, updated: 0 };
    await this.flushDeferred();
    const { rows } = await this.client.query<[id: number, externalId: string, created: boolean, updated: number]>({
      text: `
      WITH s AS (
        SELECT external_id, attributes::jsonb AS attributes
          FROM unnest($1::text[], $2::text[]) AS x(external_id, attributes)),
      upd AS (
        UPDATE users u SET attributes = u.attributes || s.attributes
        FROM s
        WHERE u.external_id = s.external_id AND u.attributes IS DISTINCT FROM u.attributes || s.attributes
        RETURNING 1),
      made AS (
        INSERT INTO users (external_id, attributes)
        SELECT s.external_id, s.attributes FROM s
        WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.external_id = s.external_id)
        ON CONFLICT (external_id) DO NOTHING
        RETURNING id, external_id)
      SELECT id, external_id, true, (SELECT count(*) FROM upd)::int FROM made
      UNION ALL
      SELECT u.id, u.external_id, false, (SELECT count(*) FROM upd)::int
        FROM users u WHERE u.external_id = ANY($1::text[])`,
      values: [records.map((r) => r.externalId), records.map((r) => JSON.stringify(r.attributes))],
      rowMode: "array",
    });
    await this.cacheResolved(
      this.userIds,
      "users",
      rows.map(([id, external_id, created]) => ({ id, external_id, created })),
      records.map((r) => r.externalId),
    );
    return { created: rows.filter((r) => r[2]).length, updated: rows[0]?.[3] ?? 0 };
  }

  /**
   * Caches the ids an insert-or-select returned (and marks the rows it made as this
   * transaction's: see keyShared). A row committed by a concurrent writer while the INSERT
   * waited on it is in neither half of the answer (the statement's snapshot predates it): a
   * second statement reads those.
   */
  private async cacheResolved(
    cache: Map<string, number>,
    table: "users" | "items",
    rows: readonly { id: number; external_id: string; created: boolean }[],
    externalIds: readonly string[],
  ): Promise<void> {
    this.cacheIds(cache, rows);
    const shared = table === "users" ? this.keyShared.users : this.keyShared.items;
    for (const r of rows) if (r.created) shared.add(r.id);
    const late = externalIds.filter((id) => !cache.has(id));
    if (late.length === 0) return;
    const again = await this.client.query<{ id: number; external_id: string }>(
      `SELECT id, external_id FROM ${table} WHERE external_id = ANY($1::text[])`,
      [late],
    );
    this.cacheIds(cache, again.rows);
  }

  /**
   * Writes a batch of events. Unknown items and users are created or rejected (per the
   * policy), events already in the log are counted as duplicates, the rest are inserted and
   * their users' counters bumped (at commit). With `write: false` the batch is only checked (unknown items
   * and users are still reported) and nothing is inserted: used once an all-or-nothing import
   * has already failed, to report every bad row without useless writes. `allOrNothing` skips
   * the insert when this batch itself has a rejected row.
   */
  async loadEvents(
    batch: EventBatch,
    opts: { write: boolean; allOrNothing?: boolean } = { write: true },
  ): Promise<EventBatchOutcome> {
    if (batch.size === 0) {
      return { inserted: 0, duplicates: batch.duplicatesInBatch, rejected: [], usersCreated: 0, itemsCreated: 0 };
    }
    const source = batch.singleSource;
    return source !== null && this.policy.directCopy !== false
      ? this.copyEvents(batch, source, opts)
      : this.stageAndMergeEvents(batch, opts);
  }

  /**
   * The bulk path (one source per batch: every file import). Ids are resolved here (cached for
   * the whole import), the events already logged are looked up through the unique index, and
   * the new ones are COPYed straight into behaviors: COPY writes rows in multi-row batches and
   * costs about a third of an INSERT ... SELECT of the same rows. Should a concurrent writer
   * log one of the same events meanwhile, the unique index stops the COPY and the batch is
   * redone through the staging table with ON CONFLICT DO NOTHING.
   */
  private async copyEvents(
    batch: EventBatch,
    source: string,
    opts: { write: boolean; allOrNothing?: boolean },
  ): Promise<EventBatchOutcome> {
    const outcome = emptyOutcome(batch);
    const n = batch.size;
    const keep = new Uint8Array(n).fill(1);

    // Ids per distinct user and item of the batch (-1: unknown and not created).
    const items = await this.resolveIds("items", this.itemIds, new Set(batch.distinctItems), this.policy.unknownItems);
    outcome.itemsCreated = items.created;
    const itemIdByCode = Int32Array.from(batch.distinctItems, (x) => this.itemIds.get(x) ?? -1);
    const userWanted = new Uint8Array(batch.distinctUsers.length);
    for (let i = 0; i < n; i++) {
      if (itemIdByCode[batch.itemCode(i)]! >= 0) {
        userWanted[batch.userCode(i)] = 1;
        continue;
      }
      keep[i] = 0;
      outcome.rejected.push({ file: batch.file(i), line: batch.line(i), reason: `unknown item "${batch.item(i)}"` });
    }
    const wantedUsers = new Set<string>();
    batch.distinctUsers.forEach((x, code) => {
      if (userWanted[code]) wantedUsers.add(x);
    });
    const users = await this.resolveIds("users", this.userIds, wantedUsers, this.policy.unknownUsers);
    outcome.usersCreated = users.created;
    const userIdByCode = Int32Array.from(batch.distinctUsers, (x) => this.userIds.get(x) ?? -1);
    for (let i = 0; i < n; i++) {
      if (!keep[i] || userIdByCode[batch.userCode(i)]! >= 0) continue;
      keep[i] = 0;
      outcome.rejected.push({ file: batch.file(i), line: batch.line(i), reason: `unknown user "${batch.user(i)}"` });
    }
    if (!opts.write || (opts.allOrNothing && outcome.rejected.length > 0)) return outcome;

    // Which of these events are logged already? Not worth asking while the source had no
    // events when this import started and no batch has collided since (a repeat across
    // batches, or a concurrent writer, then shows up as a unique violation: see below).
    // A small batch asks directly: as cheap as asking first.
    const optimistic = this.policy.optimisticDuplicates === true && !recentDuplicates.has(source);
    if (
      !optimistic &&
      n > SMALL_BATCH &&
      !this.sourcesKnownEmpty.has(source) &&
      !this.sourcesKnownPresent.has(source)
    ) {
      await this.flushDeferred();
      this.noteSource(source, await this.client.query(this.sourceHasEventsSql(source)));
    }
    let candidates: number[] = []; // batch rows not rejected, in the batch's order
    for (let i = 0; i < n; i++) if (keep[i]) candidates.push(i);
    if (candidates.length === 0) return outcome;
    if (this.handed && this.handed.ids.length + candidates.length > HANDED_LIMIT) this.handed = null;

    const userIdOf = new Int32Array(n);
    const itemIdOf = new Int32Array(n);
    const usersToLock: number[] = [];
    const itemsToLock: number[] = [];
    for (const i of candidates) {
      const userId = userIdByCode[batch.userCode(i)]!;
      const itemId = itemIdByCode[batch.itemCode(i)]!;
      userIdOf[i] = userId;
      itemIdOf[i] = itemId;
      if (this.setBasedForeignKeys) {
        if (this.keyShared.users.add(userId)) usersToLock.push(userId);
        if (this.keyShared.items.add(itemId)) itemsToLock.push(itemId);
      }
    }

    // One round trip before the COPY (values inlined: a multi-statement query cannot take
    // parameters; integers as they are, text through sqlTextLiteral):
    // - which of these events are logged already (see above for when it is worth asking);
    // - what the foreign-key triggers would do per row, once per user and item and transaction
    //   (before the savepoint, so that a rollback to it keeps the locks);
    // - ids for the batch, drawn first (in the batch's order) when the rows go to the UBSP hook
    //   or are written in key order, otherwise the column default draws them. Drawn for every
    //   candidate, as the logged ones are only known from the answer: gaps are harmless.
    const askLogged = !optimistic && !this.sourcesKnownEmpty.has(source);
    const wantIds = this.handed !== null || this.policy.insertInKeyOrder === true;
    const setUp: string[] = this.takeDeferred();
    // A small batch asks directly which of its events are logged; it also asks, in the same
    // round trip and before its own rows go in, whether the source has any event. Without that,
    // a larger batch after it would find the source non-empty (its own rows) and every later
    // batch would look all its events up.
    const sourceAt =
      askLogged && !this.sourcesKnownPresent.has(source) ? setUp.push(this.sourceHasEventsSql(source)) - 1 : -1;
    const loggedAt = askLogged
      ? setUp.push(
          `SELECT source_event_id AS sid FROM behaviors WHERE source = ${sqlTextLiteral(source)}
             AND source_event_id = ANY(${sqlTextLiteral(textArrayLiteral(candidates.map((i) => batch.sourceEventId(i))))}::text[])`,
        ) - 1
      : -1;
    const lockAt = (table: "users" | "items", ids: readonly number[]) =>
      ids.length > 0
        ? setUp.push(
            `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${table} WHERE id = ANY('${intArray(ids)}'::int[]) FOR KEY SHARE) x`,
          ) - 1
        : -1;
    const usersLockAt = lockAt("users", usersToLock);
    const itemsLockAt = lockAt("items", itemsToLock);
    const drawnCount = candidates.length;
    const drawAt = wantIds
      ? setUp.push(`SELECT min(v)::float8 AS lo, max(v)::float8 AS hi FROM (${this.drawSql(drawnCount)}) x`) - 1
      : -1;
    setUp.push("SAVEPOINT liber_batch");
    if (this.setBasedForeignKeys) setUp.push("SET LOCAL session_replication_role = replica");
    const results = [await this.client.query(setUp.join(";\n"))].flat();
    const after = [
      ...(this.setBasedForeignKeys ? ["SET LOCAL session_replication_role = origin"] : []),
      "RELEASE SAVEPOINT liber_batch",
    ];

    // Ids come from this import's cache: a user or item deleted since it was resolved would
    // leave rows pointing nowhere (the triggers are off for the COPY), so every one must be there.
    for (const [at, wanted, what] of [
      [usersLockAt, usersToLock.length, "a user"],
      [itemsLockAt, itemsToLock.length, "an item"],
    ] as const) {
      if (at >= 0 && (results[at]!.rows[0] as { n: number }).n !== wanted)
        throw new Error(`${what} of this batch was deleted while it was being written; nothing was written`);
    }
    if (sourceAt >= 0) this.noteSource(source, results[sourceAt]!);
    const logged = askLogged ? (results[loggedAt]!.rows as { sid: string }[]) : [];
    if (logged.length > 0) {
      if (this.policy.optimisticDuplicates) recentDuplicates.note(source);
      const already = new Set(logged.map((r) => r.sid));
      candidates = candidates.filter((i) => !already.has(batch.sourceEventId(i)));
      outcome.duplicates += logged.length;
    }
    let rows = candidates; // batch rows written, in the batch's order
    if (rows.length === 0) {
      this.deferred.push(...after);
      return outcome;
    }
    let ids: number[] | null = null;
    if (wantIds) {
      const { lo, hi } = results[drawAt]!.rows[0] as { lo: number; hi: number };
      ids = (await this.idsFromDraw(lo, hi, drawnCount)).slice(0, rows.length);
    }
    if (this.policy.insertInKeyOrder) {
      // Rows written in source event id order (their ids still follow the batch's order).
      const sid = (i: number) => batch.sourceEventId(i);
      const rank = new Map<number, number>(rows.map((row, k) => [row, k]));
      const sorted = [...rows].sort((a, b) => (sid(a) < sid(b) ? -1 : sid(a) > sid(b) ? 1 : 0));
      const drawn = ids!;
      ids = sorted.map((row) => drawn[rank.get(row)!]!);
      rows = sorted;
    }

    const perUser = new Map<number, UserCounter>();
    const handed = this.handed;
    for (let k = 0; k < rows.length; k++) {
      const i = rows[k]!;
      const userId = userIdOf[i]!;
      const ts = batch.tsMs(i);
      if (handed) {
        const value = batch.value(i);
        handed.userIds.push(userId);
        handed.ids.push(ids![k]!);
        handed.tsMs.push(ts);
        handed.itemIds.push(itemIdOf[i]!);
        // WEIGHT_SQL (lib/partitions/store.ts): the rating for kind "rate" when usable, else 1.
        handed.weights.push(batch.kind(i) === "rate" && value !== null && value >= 0 && value < Infinity ? value : 1);
      }
      const agg = perUser.get(userId);
      if (!agg) perUser.set(userId, { n: 1, first: ts, last: ts });
      else {
        agg.n++;
        if (ts < agg.first) agg.first = ts;
        if (ts > agg.last) agg.last = ts;
      }
    }
    const columns = `${ids ? "id, " : ""}user_id, item_id, ts, kind, value, text, source, source_event_id`;
    try {
      await pipeline(
        Readable.from(behaviorCopyData(batch, rows, ids, userIdOf, itemIdOf)),
        this.client.query(copyFrom(`COPY behaviors (${columns}) FROM STDIN`)),
      );
      this.deferred.push(...after);
      outcome.inserted = rows.length;
      for (const [userId, c] of perUser) this.count(userId, c);
    } catch (err) {
      if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
      await this.client.query("ROLLBACK TO SAVEPOINT liber_batch");
      if (this.policy.optimisticDuplicates) recentDuplicates.note(source);
      // Which of these rows the merge below inserts only the database knows: the hook reads them.
      this.handed = null;
      this.sourcesKnownEmpty.delete(source);
      this.sourcesKnownPresent.add(source);
      const staged: string[] = [];
      for (const i of rows) staged.push(batch.stageLine(i));
      await this.stageEvents(staged);
      outcome.inserted = await this.mergeStagedEvents(true);
      outcome.duplicates += rows.length - outcome.inserted;
      await this.client.query("RELEASE SAVEPOINT liber_batch");
    }
    return outcome;
  }

  /** Whether the source has any event logged (one row, column present). */
  private sourceHasEventsSql(source: string): string {
    return `SELECT EXISTS (SELECT 1 FROM behaviors WHERE source = ${sqlTextLiteral(source)}) AS present`;
  }

  private noteSource(source: string, answer: pg.QueryResult): void {
    ((answer.rows[0] as { present: boolean }).present ? this.sourcesKnownPresent : this.sourcesKnownEmpty).add(source);
  }

  /** The deferred statements, to send in front of a multi-statement query (the caller sends them). */
  private takeDeferred(): string[] {
    return this.deferred.splice(0);
  }

  /** Sends the deferred statements on their own: before any statement they cannot be put in front of. */
  private async flushDeferred(): Promise<void> {
    if (this.deferred.length > 0) await this.client.query(this.takeDeferred().join(";\n"));
  }

  /** A statement drawing `count` new behaviour ids from the sequence (one row each, column v). */
  private drawSql(count: number): string {
    if (!Number.isSafeInteger(count) || count < 1) throw new Error(`bad id count: ${count}`);
    return `SELECT nextval('${this.idSequence}'::regclass) AS v FROM generate_series(1, ${count})`;
  }

  /**
   * The ids drawn, ascending, from the min and max of one drawSql statement. nextval in one
   * statement gives consecutive values unless a concurrent writer draws at the same moment;
   * then (the drawn ones are given up: gaps are harmless) a second statement draws a list.
   */
  private async idsFromDraw(lo: number, hi: number, count: number): Promise<number[]> {
    if (hi - lo + 1 === count) return Array.from({ length: count }, (_, k) => lo + k);
    const list = await this.client.query<[number]>({
      text: `SELECT v::float8 FROM (${this.drawSql(count)}) x ORDER BY 1`,
      rowMode: "array",
    });
    return list.rows.map((r) => r[0]);
  }

  /**
   * External id -> id for the given ids, through the import-wide cache. Missing ones are
   * created first when the policy says so (items get their id as title).
   */
  private async resolveIds(
    table: "users" | "items",
    cache: Map<string, number>,
    externalIds: Set<string>,
    policy: UnknownPolicy,
  ): Promise<{ created: number }> {
    // Sorted: concurrent loaders creating the same new ids then insert them in the same order.
    const missing = [...externalIds].filter((id) => !cache.has(id)).sort();
    if (missing.length === 0) return { created: 0 };
    await this.flushDeferred();
    // Items come with their categories, which the UBSP hook needs at commit (see knownCategories).
    const withCategories = table === "items" && this.knownCategories !== null;
    const categories = withCategories ? ", categories" : "";
    // The answer as one JSON text: parsing rows (and text[] values) one by one made most of a
    // 1,000-event API request's garbage.
    const asJson = (select: string) =>
      `SELECT coalesce(json_agg(json_build_array(id, external_id, created${categories})), '[]')::text AS j FROM (${select}) x`;
    const sql =
      policy === "reject"
        ? asJson(
            `SELECT id, external_id, false AS created${categories} FROM ${table} WHERE external_id = ANY($1::text[])`,
          )
        : // One round trip: the rows made now (RETURNING) and those that existed (the SELECT's
          // snapshot does not see the CTE's inserts, so nothing is counted twice).
          `WITH made AS (
             INSERT INTO ${table} (external_id${table === "items" ? ", title" : ""})
             SELECT x${table === "items" ? ", x" : ""} FROM unnest($1::text[]) AS x
             ON CONFLICT (external_id) DO NOTHING
             RETURNING id, external_id${categories})
           ${asJson(`SELECT id, external_id, true AS created${categories} FROM made
                     UNION ALL
                     SELECT id, external_id, false${categories} FROM ${table} WHERE external_id = ANY($1::text[])`)}`;
    const answer = await this.client.query<{ j: string }>(sql, [missing]);
    const rows = (
      JSON.parse(answer.rows[0]!.j) as [
        id: number,
        externalId: string,
        created: boolean,
        categories?: string[] | null,
      ][]
    ).map(([id, external_id, created, categories]) => ({ id, external_id, created, categories }));
    if (withCategories) this.rememberCategories(rows);
    if (policy === "reject") {
      this.cacheIds(cache, rows);
      return { created: 0 };
    }
    await this.cacheResolved(cache, table, rows, missing);
    return { created: rows.filter((r) => r.created).length };
  }

  private rememberCategories(rows: readonly { id: number; categories?: string[] | null }[]): void {
    if (this.knownCategories === null) return;
    if (this.knownCategories.size + rows.length > ID_CACHE_LIMIT) {
      this.knownCategories = null; // bounded, like the id caches; the hook reads them instead
      return;
    }
    for (const r of rows) this.knownCategories.set(r.id, r.categories ?? null);
  }

  private cacheIds(cache: Map<string, number>, rows: readonly { id: number; external_id: string }[]): void {
    // Bounded: a log with millions of users must not keep them all in memory.
    if (cache.size + rows.length > ID_CACHE_LIMIT) cache.clear();
    for (const r of rows) cache.set(r.external_id, r.id);
  }

  /** The staging path: API requests (events of several sources), and the fallback of copyEvents. */
  private async stageAndMergeEvents(
    batch: EventBatch,
    opts: { write: boolean; allOrNothing?: boolean },
  ): Promise<EventBatchOutcome> {
    const outcome = emptyOutcome(batch);
    await this.flushDeferred();
    const lines: string[] = new Array(batch.size);
    for (let i = 0; i < batch.size; i++) lines[i] = batch.stageLine(i);
    if (opts.write) this.handed = null; // the merge's rows are only known to the database: the hook reads them
    await this.stageEvents(lines);
    let staged = batch.size;

    if (this.policy.unknownItems === "reject") {
      const gone = await this.client.query<{ file: number; line: number; item_ext: string }>(`
        DELETE FROM liber_stage_events s
        WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.external_id = s.item_ext)
        RETURNING file, line, item_ext`);
      for (const r of gone.rows)
        outcome.rejected.push({ file: r.file, line: r.line, reason: `unknown item "${r.item_ext}"` });
      staged -= gone.rowCount ?? 0;
    } else {
      const made = await this.client.query(`
        INSERT INTO items (external_id, title)
        SELECT DISTINCT s.item_ext, s.item_ext FROM liber_stage_events s
        WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.external_id = s.item_ext)
        ORDER BY 1 -- the same order in concurrent loaders
        ON CONFLICT (external_id) DO NOTHING`);
      outcome.itemsCreated = made.rowCount ?? 0;
    }

    if (this.policy.unknownUsers === "reject") {
      const gone = await this.client.query<{ file: number; line: number; user_ext: string }>(`
        DELETE FROM liber_stage_events s
        WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.external_id = s.user_ext)
        RETURNING file, line, user_ext`);
      for (const r of gone.rows)
        outcome.rejected.push({ file: r.file, line: r.line, reason: `unknown user "${r.user_ext}"` });
      staged -= gone.rowCount ?? 0;
    } else {
      const made = await this.client.query(`
        INSERT INTO users (external_id)
        SELECT DISTINCT s.user_ext FROM liber_stage_events s
        WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.external_id = s.user_ext)
        ORDER BY 1 -- the same order in concurrent loaders
        ON CONFLICT (external_id) DO NOTHING`);
      outcome.usersCreated = made.rowCount ?? 0;
    }

    if (!opts.write || (opts.allOrNothing && outcome.rejected.length > 0)) return outcome;
    outcome.inserted = await this.insertStagedEvents();
    outcome.duplicates += staged - outcome.inserted;
    return outcome;
  }

  /**
   * Inserts the staged events that are not in the log yet and counts them per user (for the
   * counters bumped at commit). Fast path: an anti-join against the unique index and a plain INSERT (about a
   * third cheaper than ON CONFLICT's speculative insertion). If a concurrent writer inserted one
   * of the same events in between, the unique index stops us and the batch is redone, from a
   * savepoint, with ON CONFLICT DO NOTHING.
   */
  private async insertStagedEvents(): Promise<number> {
    await this.client.query("SAVEPOINT liber_batch");
    let inserted: number;
    try {
      inserted = await this.mergeStagedEvents(false);
    } catch (err) {
      if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
      await this.client.query("ROLLBACK TO SAVEPOINT liber_batch");
      inserted = await this.mergeStagedEvents(true);
    }
    await this.client.query("RELEASE SAVEPOINT liber_batch");
    return inserted;
  }

  private async mergeStagedEvents(onConflict: boolean): Promise<number> {
    if (this.setBasedForeignKeys) {
      // What the foreign-key triggers would do row by row, once per distinct user and item:
      // check they exist and lock them (FOR KEY SHARE) against deletion until commit.
      await this.client.query(`
        SELECT count(*) FROM (SELECT 1 FROM users u WHERE u.external_id IN (SELECT user_ext FROM liber_stage_events) FOR KEY SHARE) x;
        SELECT count(*) FROM (SELECT 1 FROM items i WHERE i.external_id IN (SELECT item_ext FROM liber_stage_events) FOR KEY SHARE) x;
        SET LOCAL session_replication_role = replica`);
    }
    const { rows } = await this.client.query<[userId: number, n: number, firstMs: number, lastMs: number]>({
      text: `
      WITH ins AS (
        INSERT INTO behaviors (user_id, item_id, ts, kind, value, text, source, source_event_id)
        SELECT u.id, i.id, timestamptz 'epoch' + s.ts_ms * interval '1 millisecond',
               s.kind, s.value, s.text, s.source, s.sid
        FROM liber_stage_events s
        JOIN users u ON u.external_id = s.user_ext
        JOIN items i ON i.external_id = s.item_ext
        WHERE NOT EXISTS (
          SELECT 1 FROM behaviors b WHERE b.source = s.source AND b.source_event_id = s.sid)
        ${this.policy.insertInKeyOrder ? `ORDER BY s.source COLLATE "C", s.sid COLLATE "C"` : ""}
        ${onConflict ? "ON CONFLICT (source, source_event_id) DO NOTHING" : ""}
        RETURNING user_id, ts
      )
      SELECT user_id, count(*)::int, round(extract(epoch FROM min(ts)) * 1000)::float8,
             round(extract(epoch FROM max(ts)) * 1000)::float8
        FROM ins GROUP BY user_id`,
      rowMode: "array",
    });
    if (this.setBasedForeignKeys) await this.client.query("SET LOCAL session_replication_role = origin");
    let inserted = 0;
    for (const [userId, n, first, last] of rows) {
      this.count(userId, { n, first, last });
      inserted += n;
    }
    return inserted;
  }

  private count(userId: number, c: UserCounter): void {
    const total = this.counters.get(userId);
    if (!total) this.counters.set(userId, { ...c });
    else {
      total.n += c.n;
      if (c.first < total.first) total.first = c.first;
      if (c.last > total.last) total.last = c.last;
    }
  }

  /**
   * The statements that bump the users' denormalised counters (event_count, first/last event)
   * by what this transaction inserted, after any deferred ones: run once, just before the
   * commit (in the UBSP hook's first round trip), locking the users in ascending id order.
   * Concurrent ingests whose users overlap then always queue in the same order and cannot
   * deadlock (bumping them per batch, in the batch's own order, deadlocked most overlapping
   * API requests: issue 9). It also leaves the rows locked for the shortest time.
   */
  private counterStatements(): string[] {
    const deferred = this.takeDeferred();
    if (this.counters.size === 0) return deferred;
    const ids = [...this.counters.keys()].sort((a, b) => a - b);
    const c = ids.map((id) => this.counters.get(id)!);
    this.counters.clear();
    return [
      ...deferred,
      `SELECT count(*) FROM (SELECT 1 FROM users WHERE id = ANY('${intArray(ids)}'::int[]) ORDER BY id FOR NO KEY UPDATE) x`,
      `UPDATE users u SET
         event_count = u.event_count + v.n,
         first_event_at = LEAST(u.first_event_at, timestamptz 'epoch' + v.first_ms * interval '1 millisecond'),
         last_event_at = GREATEST(u.last_event_at, timestamptz 'epoch' + v.last_ms * interval '1 millisecond')
       FROM unnest('${intArray(ids)}'::int[], '${intArray(c.map((x) => x.n))}'::int[],
                   '${intArray(c.map((x) => x.first))}'::bigint[], '${intArray(c.map((x) => x.last))}'::bigint[])
            AS v(id, n, first_ms, last_ms)
       WHERE u.id = v.id`,
    ];
  }

  /**
   * Commits; reports what the UBSP hook did and how long it took (imports show it apart).
   * `alongside`: statements (no parameters) to run in this transaction, sent with the COMMIT.
   */
  async commit(
    opts: { alongside?: readonly string[] } = {},
  ): Promise<{ partitions: AdvanceSummary; partitionsMs: number }> {
    if (this.released) throw new Error("BehaviorLoader: the transaction is already closed");
    this.released = true;
    try {
      // UBSP (issue 4): advance the active partition config by the behaviours this transaction
      // inserted, in this transaction, so that the log and the partitions never disagree.
      // The counters (and what the last COPY left due) go in the hook's first round trip.
      const counters = this.counterStatements();
      const started = performance.now();
      let partitions: AdvanceSummary;
      if (this.handed) {
        const rows = { ...this.handed, ...(this.knownCategories ? { knownCategories: this.knownCategories } : {}) };
        partitions = await advanceHandedBehaviors(this.client, rows, counters);
      } else {
        if (counters.length > 0) await this.client.query(counters.join(";\n"));
        partitions = await advanceInsertedBehaviors(this.client);
      }
      this.handed = null;
      const partitionsMs = performance.now() - started;
      await this.client.query([...(opts.alongside ?? []), "COMMIT"].join(";\n"));
      this.client.release();
      return { partitions, partitionsMs };
    } catch (err) {
      this.client.release(err as Error);
      throw err;
    }
  }

  /** Rolls back (a no-op once the transaction is closed, e.g. after a failed commit). */
  async rollback(): Promise<void> {
    if (this.released) return;
    this.released = true;
    try {
      this.deferred = [];
      await this.client.query("ROLLBACK");
      this.client.release();
    } catch (err) {
      // A connection in an unknown state must not go back to the pool.
      this.client.release(err as Error);
    }
  }
}

/**
 * Whether the merge may replace the per-row foreign-key triggers of behaviors (one SPI query
 * and one row lock per event and key: about half the cost of a bulk insert) by set-based
 * checks. The merge only inserts rows whose user and item it has just joined, and locks those
 * users and items FOR KEY SHARE first, which is exactly what the triggers guarantee; it then
 * runs with session_replication_role = replica (SET LOCAL: never outlives the transaction).
 * Only when the role may set that (superuser, e.g. the embedded server) and behaviors has no
 * triggers of its own, which replica mode would silently skip. Also reads behaviors.id's sequence.
 */
const SET_BASED_CHECK_SQL = `
  SELECT current_setting('is_superuser') = 'on'
     AND NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'behaviors'::regclass AND NOT tgisinternal) AS ok,
     pg_get_serial_sequence('behaviors', 'id')::regclass::oid::text AS seq`;

/** A batch's outcome before anything is written: only its in-batch repeats are known. */
function emptyOutcome(batch: EventBatch): EventBatchOutcome {
  return { inserted: 0, duplicates: batch.duplicatesInBatch, rejected: [], usersCreated: 0, itemsCreated: 0 };
}

/**
 * A set of ids that forgets everything past a million entries (a forgotten id is only locked
 * again, which is harmless). add() says whether the id was new.
 */
class BoundedIdSet {
  private readonly ids = new Set<number>();

  add(id: number): boolean {
    if (this.ids.has(id)) return false;
    if (this.ids.size >= 1_000_000) this.ids.clear();
    this.ids.add(id);
    return true;
  }
}

/** A PostgreSQL array literal of integers (safe to inline: numbers only). */
function intArray(values: Iterable<number>): string {
  let out = "";
  for (const v of values) {
    if (!Number.isSafeInteger(v)) throw new Error(`not an integer: ${v}`);
    out += out ? `,${v}` : `${v}`;
  }
  return `{${out}}`;
}

/**
 * The behaviors COPY data of the given batch rows, in ~1 MB chunks built while the database
 * reads the previous one: [id,] user_id, item_id, ts, kind, value, text, source, source_event_id.
 */
function* behaviorCopyData(
  batch: EventBatch,
  rows: readonly number[],
  ids: readonly number[] | null,
  /** By batch row. */
  userIdOf: Int32Array,
  itemIdOf: Int32Array,
): Generator<Buffer> {
  // Small batches (API requests) get a small first chunk: a 1 MB buffer per request only
  // makes work for the garbage collector.
  const out = new CopyTextWriter(Math.min(1 << 20, Math.max(16_384, rows.length * 128)));
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k]!;
    if (ids) {
      out.integer(ids[k]!);
      out.tab();
    }
    out.integer(userIdOf[i]!);
    out.tab();
    out.integer(itemIdOf[i]!);
    out.tab();
    out.timestamp(batch.tsMs(i));
    out.tab();
    out.text(batch.kind(i));
    out.tab();
    out.number(batch.value(i));
    out.tab();
    out.text(batch.text(i));
    out.tab();
    out.text(batch.source(i));
    out.tab();
    out.text(batch.sourceEventId(i));
    out.endRow();
    if (out.hasFullChunks) yield* out.takeFullChunks();
  }
  yield* out.finish();
}

/** Joins COPY lines into ~1 MB strings: far fewer stream writes than one per row. */
function* chunked(lines: readonly string[]): Generator<string> {
  const per = 8192;
  for (let i = 0; i < lines.length; i += per) yield lines.slice(i, i + per).join("");
}

/** A new item as a COPY line: external_id, title, categories, tags, attributes (as mergeItems inserts them). */
function itemCopyLine(r: ItemRecord): string {
  return (
    `${copyText(r.externalId)}\t${copyText(r.title)}\t${copyText(textArrayLiteral(r.categories ?? []))}\t` +
    `${copyText(textArrayLiteral(r.tags ?? []))}\t${copyText(JSON.stringify(r.attributes ?? {}))}\n`
  );
}
