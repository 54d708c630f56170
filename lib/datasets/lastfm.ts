import path from "node:path";
import type { ItemRecord, UserRecord } from "../ingest/records";
import { BatchBuffer, type ImportContext, type ImportStep, type ImportSummary } from "../ingest/session";
import { checkRequiredText, checkTimestampMs, LIMITS } from "../ingest/validate";
import {
  assertDirectory,
  checkEpochInteger,
  checkNumericId,
  checkTitle,
  chunks,
  datasetRows,
  DatasetError,
  findFile,
  runDatasetImport,
  TagCounter,
  type DatasetImportOptions,
} from "./common";

/**
 * Last.fm HetRec 2011 (hetrec2011-lastfm-2k): 1,892 users, 17,632 artists.
 *
 * - user_taggedartists-timestamps.dat (userID, artistID, tagID, timestamp in ms) -> kind "tag"
 *   behaviours, text = the tag. These are the only timestamped events of the dataset, so they
 *   are the only ones that enter the log. Copies of the dataset that lack this file have
 *   user_taggedartists.dat (userID, artistID, tagID, day, month, year): then it is the log,
 *   each tagging at midnight UTC of its day, and the import report says which file was read.
 * - Taggings naming an artist missing from artists.dat (about 1,500 rows of the real dataset)
 *   are rejected, unless `createMissingItems`: then the artist becomes an item with its id as
 *   title, flagged `attributes.missingFromArtistsDat`. The report counts them either way.
 * - artists.dat -> items (name as title, url), labelled with their most frequent tags
 *   (categories: top 5, tags: top 20).
 * - user_artists.dat (userID, artistID, play count) has no time, so the plays are NOT
 *   behaviours: a log without timestamps cannot be partitioned in time. They become user
 *   attributes instead (total plays, number of artists, top 10 artists by plays), and
 *   user_friends.dat gives a friend count.
 * Text files are read as UTF-8, line by line falling back to Latin-1 (the files mix both).
 */
export interface LastFmFiles {
  taggings: string;
  /** "timestamps": user_taggedartists-timestamps.dat; "dates": user_taggedartists.dat (day, month, year). */
  taggingsFormat: "timestamps" | "dates";
  artists: string;
  tags: string;
  userArtists?: string;
  friends?: string;
}

export function detectLastFmLayout(dir: string): LastFmFiles {
  assertDirectory(dir);
  const timestamped = findFile(dir, "user_taggedartists-timestamps.dat");
  const taggings = timestamped ?? findFile(dir, "user_taggedartists.dat");
  const artists = findFile(dir, "artists.dat");
  const tags = findFile(dir, "tags.dat");
  const missing = [
    !taggings && "user_taggedartists-timestamps.dat (or user_taggedartists.dat)",
    !artists && "artists.dat",
    !tags && "tags.dat",
  ].filter(Boolean);
  if (missing.length > 0 || !taggings || !artists || !tags) {
    throw new DatasetError(
      `${dir} does not look like hetrec2011-lastfm-2k: missing ${missing.join(", ")}. ` +
        `(The taggings are required: they are the behaviour log.)`,
    );
  }
  return {
    taggings,
    taggingsFormat: timestamped ? "timestamps" : "dates",
    artists,
    tags,
    userArtists: findFile(dir, "user_artists.dat"),
    friends: findFile(dir, "user_friends.dat"),
  };
}

export interface LastFmImportOptions extends DatasetImportOptions {
  /** Create artists that taggings name but artists.dat lacks (id as title, flagged) instead of rejecting those rows. */
  createMissingItems?: boolean;
}

export async function importLastFm(dir: string, opts: LastFmImportOptions = {}): Promise<ImportSummary> {
  const files = detectLastFmLayout(dir);
  return runDatasetImport({
    importer: "lastfm",
    dir,
    opts,
    options: { behaviourLog: path.basename(files.taggings), createMissingItems: Boolean(opts.createMissingItems) },
    files: [files.tags, files.artists, files.userArtists, files.friends, files.taggings],
    steps: (ctx, prefix) => lastFmSteps(ctx, files, prefix, { createMissingItems: Boolean(opts.createMissingItems) }),
  });
}

const CHUNK = 20_000;
const TOP_CATEGORIES = 5;
const TOP_TAGS = 20;
const TOP_ARTISTS = 10;
const TEXT = { quoted: false, delimiter: "\t", encoding: "utf8-or-latin1" } as const;

export async function* lastFmSteps(
  ctx: ImportContext,
  files: LastFmFiles,
  prefix: string,
  opts: { createMissingItems?: boolean } = {},
): AsyncGenerator<ImportStep> {
  const tagNames = await readTagNames(ctx, files.tags);

  const artistNames = new Map<string, string>();
  const items: ItemRecord[] = [];
  for await (const { fileIndex, rows } of datasetRows(ctx, files.artists, {
    ...TEXT,
    fields: 4,
    header: ["id", "name", "url", "pictureURL"],
  })) {
    for (const row of rows) {
      const [id, name, url, picture] = row.fields.map((f) => f.trim()) as [string, string, string, string];
      const reason = checkNumericId("artist id", id) ?? checkTitle(name);
      if (reason) {
        ctx.reject(fileIndex, row.line, reason);
        continue;
      }
      if (artistNames.has(id)) {
        ctx.reject(fileIndex, row.line, `duplicate artist id ${id}`);
        continue;
      }
      artistNames.set(id, name);
      const attributes: Record<string, unknown> = { artistId: Number(id) };
      if (url) attributes.url = url;
      if (picture) attributes.pictureUrl = picture;
      items.push({ externalId: prefix + id, title: name, attributes });
      if (items.length >= CHUNK) yield { type: "items", records: items.splice(0) };
    }
  }
  if (items.length > 0) yield { type: "items", records: items.splice(0) };

  const users = new Map<string, Record<string, unknown>>();
  if (files.userArtists) {
    for (const [userId, attributes] of await readPlayCounts(ctx, files.userArtists, artistNames))
      users.set(userId, attributes);
  }
  if (files.friends) {
    for (const [userId, friendCount] of await readFriendCounts(ctx, files.friends)) {
      users.set(userId, { ...users.get(userId), friendCount });
    }
  }
  const userRecords: UserRecord[] = [...users].map(([userId, attributes]) => ({
    externalId: prefix + userId,
    attributes,
  }));
  for (const chunk of chunks(userRecords, CHUNK)) yield { type: "users", records: chunk };

  const events = new BatchBuffer(ctx.batchSize);
  const tagCounts = new TagCounter();
  const dated = files.taggingsFormat === "dates";
  ctx.report(
    "behaviourLog",
    dated
      ? `${path.basename(files.taggings)} (no user_taggedartists-timestamps.dat: day, month, year; each tagging at midnight UTC)`
      : path.basename(files.taggings),
  );
  /** Artists named by taggings but not in artists.dat: id -> created yet. */
  const missingArtists = new Map<string, boolean>();
  let missingRows = 0;
  for await (const { fileIndex, rows } of datasetRows(ctx, files.taggings, {
    ...TEXT,
    encoding: "latin1", // digits only
    fields: dated ? 6 : 4,
    header: dated
      ? ["userID", "artistID", "tagID", "day", "month", "year"]
      : ["userID", "artistID", "tagID", "timestamp"],
  })) {
    for (const row of rows) {
      const [userId, artistId, tagId, ...when] = row.fields.map((f) => f.trim()) as string[];
      let ts: number | string;
      if (dated) {
        const day = calendarDayMs(when[0]!, when[1]!, when[2]!);
        ts = typeof day === "number" ? day : day.error;
      } else {
        ts = checkEpochInteger(when[0]!) ?? Number(when[0]);
      }
      const reason =
        checkNumericId("user id", userId!) ??
        checkNumericId("artist id", artistId!) ??
        checkNumericId("tag id", tagId!) ??
        (typeof ts === "string" ? ts : checkTimestampMs(ts, ctx.nowMs));
      if (reason || typeof ts === "string") {
        ctx.reject(fileIndex, row.line, reason ?? String(ts));
        continue;
      }
      const tag = tagNames.get(tagId!);
      if (tag === undefined) {
        ctx.reject(fileIndex, row.line, `unknown tag id ${tagId}`);
        continue;
      }
      if (!artistNames.has(artistId!)) {
        missingRows++;
        if (!missingArtists.has(artistId!)) missingArtists.set(artistId!, false);
        if (opts.createMissingItems && !missingArtists.get(artistId!)) {
          // Before the event that names it (the loader rejects unknown items).
          missingArtists.set(artistId!, true);
          yield {
            type: "items",
            records: [
              {
                externalId: prefix + artistId,
                title: artistId!,
                attributes: { artistId: Number(artistId), missingFromArtistsDat: true },
              },
            ],
          };
        }
      }
      tagCounts.add(prefix + artistId, tag);
      events.current.add(
        {
          user: prefix + userId,
          item: prefix + artistId,
          tsMs: ts,
          kind: "tag",
          value: null,
          text: tag,
          source: ctx.source,
          sourceEventId: `t:${userId}:${artistId}:${tagId}:${ts}`,
        },
        { file: fileIndex, line: row.line },
      );
      const full = events.takeIfFull();
      if (full) yield { type: "events", batch: full };
    }
  }
  if (missingRows > 0) {
    ctx.report("artistsMissingFromArtistsDat", {
      taggings: missingRows,
      artists: missingArtists.size,
      handling: opts.createMissingItems
        ? "created as items titled with their id, flagged attributes.missingFromArtistsDat"
        : "rejected (--create-missing-items creates them)",
    });
  }
  yield { type: "events", batch: events.take() };

  const labels = [...tagCounts.top(TOP_TAGS)].map(({ item, tags }) => ({
    externalId: item,
    categories: tags.slice(0, TOP_CATEGORIES),
    tags,
  }));
  for (const chunk of chunks(labels, CHUNK)) yield { type: "itemLabels", records: chunk };
}

async function readTagNames(ctx: ImportContext, file: string): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for await (const { fileIndex, rows } of datasetRows(ctx, file, {
    ...TEXT,
    fields: 2,
    header: ["tagID", "tagValue"],
  })) {
    for (const row of rows) {
      const [id, value] = row.fields as [string, string];
      const reason = checkNumericId("tag id", id.trim()) ?? checkRequiredText("tag", value, LIMITS.text);
      if (reason) ctx.reject(fileIndex, row.line, reason);
      else names.set(id.trim(), value.trim());
    }
  }
  return names;
}

/** user_artists.dat -> per user: total plays, number of artists, top artists by plays. */
async function readPlayCounts(
  ctx: ImportContext,
  file: string,
  artistNames: Map<string, string>,
): Promise<Map<string, Record<string, unknown>>> {
  const perUser = new Map<string, { total: number; plays: [string, number][] }>();
  for await (const { fileIndex, rows } of datasetRows(ctx, file, {
    ...TEXT,
    encoding: "latin1",
    fields: 3,
    header: ["userID", "artistID", "weight"],
  })) {
    for (const row of rows) {
      const [userId, artistId, weight] = row.fields.map((f) => f.trim()) as [string, string, string];
      const reason =
        checkNumericId("user id", userId) ??
        checkNumericId("artist id", artistId) ??
        checkNumericId("play count", weight) ??
        (artistNames.has(artistId) ? null : `unknown artist ${artistId}`);
      if (reason) {
        ctx.reject(fileIndex, row.line, reason);
        continue;
      }
      let user = perUser.get(userId);
      if (!user) perUser.set(userId, (user = { total: 0, plays: [] }));
      user.total += Number(weight);
      user.plays.push([artistId, Number(weight)]);
    }
  }
  const result = new Map<string, Record<string, unknown>>();
  for (const [userId, { total, plays }] of perUser) {
    plays.sort((a, b) => b[1] - a[1] || Number(a[0]) - Number(b[0]));
    result.set(userId, {
      totalPlays: total,
      artistCount: plays.length,
      topArtists: plays.slice(0, TOP_ARTISTS).map(([id, count]) => ({ name: artistNames.get(id), plays: count })),
    });
  }
  return result;
}

async function readFriendCounts(ctx: ImportContext, file: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for await (const { fileIndex, rows } of datasetRows(ctx, file, {
    ...TEXT,
    encoding: "latin1",
    fields: 2,
    header: ["userID", "friendID"],
  })) {
    for (const row of rows) {
      const [userId, friendId] = row.fields.map((f) => f.trim()) as [string, string];
      const reason = checkNumericId("user id", userId) ?? checkNumericId("friend id", friendId);
      if (reason) ctx.reject(fileIndex, row.line, reason);
      else counts.set(userId, (counts.get(userId) ?? 0) + 1);
    }
  }
  return counts;
}

/** Midnight UTC of a calendar day given as day, month, year (user_taggedartists.dat), or why not. */
export function calendarDayMs(day: string, month: string, year: string): number | { error: string } {
  const bad = { error: `bad date "${day}.${month}.${year}": expected day, month and year` };
  if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year)) return bad;
  const d = Number(day);
  const m = Number(month);
  const y = Number(year);
  const ms = Date.UTC(y, m - 1, d);
  const date = new Date(ms);
  // Date.UTC rolls 31.2. over into March: refuse days that do not exist.
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return bad;
  return ms;
}
