import type { TextEncoding } from "../ingest/lines";
import type { BehaviorEvent, ItemRecord, UserRecord } from "../ingest/records";
import { BatchBuffer, type ImportContext, type ImportStep, type ImportSummary } from "../ingest/session";
import { checkRequiredText, checkTimestampMs, LIMITS, parseFiniteNumber } from "../ingest/validate";
import {
  assertDirectory,
  checkEpochInteger,
  checkNumericId,
  checkTitle,
  chunks,
  datasetRows,
  DatasetError,
  findFile,
  idPart,
  runDatasetImport,
  TagCounter,
  yearFromTitle,
  type DatasetImportOptions,
} from "./common";

/**
 * MovieLens, in the three layouts GroupLens has published:
 * - "latest": ml-latest-small, ml-latest, ml-20m/25m/32m: UTF-8 CSV with headers
 *   (movies.csv, ratings.csv, tags.csv, links.csv).
 * - "100k": ml-100k: u.data (tab-separated), u.item and u.user ("|"-separated, Latin-1).
 * - "1m": ml-1m (and ml-10m): "::"-separated ratings.dat, movies.dat (Latin-1), users.dat, tags.dat.
 *
 * Ratings become kind "rate" behaviours (value = the rating), tags kind "tag" (text = the tag,
 * no value). Movies become items (genres as categories, their most frequent tags as tags).
 */
export type MovieLensLayout = "latest" | "100k" | "1m";

export interface MovieLensFiles {
  layout: MovieLensLayout;
  movies: string;
  ratings: string;
  tags?: string;
  links?: string;
  users?: string;
  genres?: string;
}

export function detectMovieLensLayout(dir: string): MovieLensFiles {
  assertDirectory(dir);
  const latestRatings = findFile(dir, "ratings.csv");
  if (latestRatings) {
    const movies = findFile(dir, "movies.csv");
    if (!movies) throw new DatasetError(`${dir} has ratings.csv but no movies.csv (MovieLens "latest" layout).`);
    return {
      layout: "latest",
      movies,
      ratings: latestRatings,
      tags: findFile(dir, "tags.csv"),
      links: findFile(dir, "links.csv"),
    };
  }
  const data100k = findFile(dir, "u.data");
  if (data100k) {
    const movies = findFile(dir, "u.item");
    if (!movies) throw new DatasetError(`${dir} has u.data but no u.item (MovieLens 100K layout).`);
    return {
      layout: "100k",
      movies,
      ratings: data100k,
      users: findFile(dir, "u.user"),
      genres: findFile(dir, "u.genre"),
    };
  }
  const ratings1m = findFile(dir, "ratings.dat");
  if (ratings1m) {
    const movies = findFile(dir, "movies.dat");
    if (!movies) throw new DatasetError(`${dir} has ratings.dat but no movies.dat (MovieLens 1M layout).`);
    return {
      layout: "1m",
      movies,
      ratings: ratings1m,
      users: findFile(dir, "users.dat"),
      tags: findFile(dir, "tags.dat"),
    };
  }
  throw new DatasetError(
    `${dir} does not look like a MovieLens dataset: expected ratings.csv + movies.csv (ml-latest, ml-latest-small, ml-25m), ` +
      `u.data + u.item (ml-100k) or ratings.dat + movies.dat (ml-1m).`,
  );
}

export async function importMovieLens(dir: string, opts: DatasetImportOptions = {}): Promise<ImportSummary> {
  const files = detectMovieLensLayout(dir);
  return runDatasetImport({
    importer: "movielens",
    dir,
    opts,
    options: { layout: files.layout },
    files: [files.links, files.genres, files.movies, files.users, files.ratings, files.tags],
    steps: (ctx, prefix) => movieLensSteps(ctx, files, prefix),
  });
}

const ITEM_CHUNK = 20_000;
const TOP_TAGS = 10;

export async function* movieLensSteps(
  ctx: ImportContext,
  files: MovieLensFiles,
  prefix: string,
): AsyncGenerator<ImportStep> {
  const events = new BatchBuffer(ctx.batchSize);
  const tagCounts = new TagCounter();
  const latin1 = files.layout === "latest" ? "utf8" : "latin1";

  // 1. The catalogue, first: ratings are matched against it.
  const items: ItemRecord[] = [];
  for await (const item of readMovies(ctx, files, prefix)) {
    items.push(item);
    if (items.length >= ITEM_CHUNK) yield { type: "items", records: items.splice(0) };
  }
  if (items.length > 0) yield { type: "items", records: items.splice(0) };

  // 2. User profiles (100K and 1M only).
  if (files.users) {
    const users: UserRecord[] = [];
    for await (const user of readUsers(ctx, files, prefix)) users.push(user);
    for (const chunk of chunks(users, ITEM_CHUNK)) yield { type: "users", records: chunk };
  }

  // 3. Ratings.
  const ratingFormat =
    files.layout === "latest"
      ? { delimiter: ",", quoted: true, header: ["userId", "movieId", "rating", "timestamp"] }
      : files.layout === "100k"
        ? { delimiter: "\t", quoted: false }
        : { delimiter: "::", quoted: false };
  for await (const { fileIndex, rows } of datasetRows(ctx, files.ratings, {
    ...ratingFormat,
    encoding: latin1,
    fields: 4,
  })) {
    for (const row of rows) {
      const [userId, movieId, rating, ts] = row.fields as [string, string, string, string];
      const reason = checkNumericId("user id", userId) ?? checkNumericId("movie id", movieId) ?? checkEpochInteger(ts);
      if (reason) {
        ctx.reject(fileIndex, row.line, reason);
        continue;
      }
      const value = parseFiniteNumber("rating", rating);
      if (!value.ok) {
        ctx.reject(fileIndex, row.line, value.reason);
        continue;
      }
      const tsMs = Number(ts) * 1000;
      const badTs = checkTimestampMs(tsMs, ctx.nowMs);
      if (badTs) {
        ctx.reject(fileIndex, row.line, badTs);
        continue;
      }
      const event: BehaviorEvent = {
        user: prefix + userId,
        item: prefix + movieId,
        tsMs,
        kind: "rate",
        value: value.value,
        text: null,
        source: ctx.source,
        sourceEventId: `r:${userId}:${movieId}:${ts}`,
      };
      events.current.add(event, { file: fileIndex, line: row.line });
      const full = events.takeIfFull();
      if (full) yield { type: "events", batch: full };
    }
  }

  // 4. Tags (ml-latest tags.csv, ml-10m tags.dat).
  if (files.tags) {
    const tagFormat =
      files.layout === "latest"
        ? {
            delimiter: ",",
            quoted: true,
            header: ["userId", "movieId", "tag", "timestamp"],
            encoding: "utf8" as TextEncoding,
          }
        : { delimiter: "::", quoted: false, encoding: "utf8-or-latin1" as TextEncoding };
    for await (const { fileIndex, rows } of datasetRows(ctx, files.tags, { ...tagFormat, fields: 4 })) {
      for (const row of rows) {
        const [userId, movieId, tag, ts] = row.fields as [string, string, string, string];
        const reason =
          checkNumericId("user id", userId) ??
          checkNumericId("movie id", movieId) ??
          checkRequiredText("tag", tag, LIMITS.text) ??
          checkEpochInteger(ts) ??
          checkTimestampMs(Number(ts) * 1000, ctx.nowMs);
        if (reason) {
          ctx.reject(fileIndex, row.line, reason);
          continue;
        }
        tagCounts.add(prefix + movieId, tag);
        events.current.add(
          {
            user: prefix + userId,
            item: prefix + movieId,
            tsMs: Number(ts) * 1000,
            kind: "tag",
            value: null,
            text: tag,
            source: ctx.source,
            sourceEventId: `t:${userId}:${movieId}:${ts}:${idPart(tag)}`,
          },
          { file: fileIndex, line: row.line },
        );
        const full = events.takeIfFull();
        if (full) yield { type: "events", batch: full };
      }
    }
  }
  yield { type: "events", batch: events.take() };

  // 5. Each movie's most frequent tags.
  const labels = [...tagCounts.top(TOP_TAGS)].map(({ item, tags }) => ({ externalId: item, tags }));
  for (const chunk of chunks(labels, ITEM_CHUNK)) yield { type: "itemLabels", records: chunk };
}

// ---- movies --------------------------------------------------------------------------------

/** ml-100k's u.genre, used when the folder has no u.genre of its own. */
const GENRES_100K = [
  "unknown",
  "Action",
  "Adventure",
  "Animation",
  "Children's",
  "Comedy",
  "Crime",
  "Documentary",
  "Drama",
  "Fantasy",
  "Film-Noir",
  "Horror",
  "Musical",
  "Mystery",
  "Romance",
  "Sci-Fi",
  "Thriller",
  "War",
  "Western",
];
const NO_GENRES = "(no genres listed)";

async function* readMovies(ctx: ImportContext, files: MovieLensFiles, prefix: string): AsyncGenerator<ItemRecord> {
  const links = files.links ? await readLinks(ctx, files.links) : new Map<string, Record<string, string>>();
  const seen = new Set<string>();
  const genres100k = files.genres ? await readGenres100k(ctx, files.genres) : GENRES_100K;
  const format =
    files.layout === "latest"
      ? { delimiter: ",", quoted: true, encoding: "utf8" as const, fields: 3, header: ["movieId", "title", "genres"] }
      : files.layout === "100k"
        ? { delimiter: "|", quoted: false, encoding: "latin1" as const, fields: 5 + genres100k.length }
        : { delimiter: "::", quoted: false, encoding: "latin1" as const, fields: 3 };

  for await (const { fileIndex, rows } of datasetRows(ctx, files.movies, format)) {
    for (const row of rows) {
      const f = row.fields;
      const movieId = f[0]!;
      const title = f[1]!.trim();
      const reason = checkNumericId("movie id", movieId) ?? checkTitle(title);
      if (reason) {
        ctx.reject(fileIndex, row.line, reason);
        continue;
      }
      if (seen.has(movieId)) {
        ctx.reject(fileIndex, row.line, `duplicate movie id ${movieId}`);
        continue;
      }
      seen.add(movieId);
      const attributes: Record<string, unknown> = { movieId: Number(movieId) };
      const year = yearFromTitle(title);
      if (year !== undefined) attributes.year = year;
      let categories: string[];
      if (files.layout === "100k") {
        const flags = f.slice(5);
        if (flags.some((flag) => flag !== "0" && flag !== "1")) {
          ctx.reject(fileIndex, row.line, "bad genre flag: expected 0 or 1");
          continue;
        }
        categories = genres100k.filter((_, i) => flags[i] === "1" && genres100k[i] !== "unknown");
        if (f[2]) attributes.releaseDate = f[2];
        if (f[4]) attributes.imdbUrl = f[4];
      } else {
        categories = f[2]!
          .split("|")
          .map((g) => g.trim())
          .filter((g) => g && g !== NO_GENRES);
      }
      Object.assign(attributes, links.get(movieId));
      yield { externalId: prefix + movieId, title, categories, attributes };
    }
  }
}

/** links.csv: movieId -> { imdbId, tmdbId } (either may be missing). */
async function readLinks(ctx: ImportContext, file: string): Promise<Map<string, Record<string, string>>> {
  const links = new Map<string, Record<string, string>>();
  const rows = datasetRows(ctx, file, {
    delimiter: ",",
    quoted: true,
    encoding: "utf8",
    fields: 3,
    header: ["movieId", "imdbId", "tmdbId"],
  });
  for await (const { fileIndex, rows: chunk } of rows) {
    for (const row of chunk) {
      const [movieId, imdbId, tmdbId] = row.fields.map((v) => v.trim()) as [string, string, string];
      const reason =
        checkNumericId("movie id", movieId) ??
        (imdbId ? checkNumericId("imdb id", imdbId) : null) ??
        (tmdbId ? checkNumericId("tmdb id", tmdbId) : null);
      if (reason) {
        ctx.reject(fileIndex, row.line, reason);
        continue;
      }
      const link: Record<string, string> = {};
      if (imdbId) link.imdbId = imdbId;
      if (tmdbId) link.tmdbId = tmdbId;
      links.set(movieId, link);
    }
  }
  return links;
}

async function readGenres100k(ctx: ImportContext, file: string): Promise<string[]> {
  const genres: string[] = [];
  for await (const { fileIndex, rows } of datasetRows(ctx, file, {
    delimiter: "|",
    quoted: false,
    encoding: "latin1",
    fields: 2,
  })) {
    for (const row of rows) {
      const [name, index] = row.fields as [string, string];
      if (checkNumericId("genre index", index) || !name)
        ctx.reject(fileIndex, row.line, "bad genre line: expected name|index");
      else genres[Number(index)] = name;
    }
  }
  if (genres.length === 0 || genres.some((g) => g === undefined))
    throw new DatasetError(`${file}: genre indexes are not 0..n-1.`);
  return genres;
}

// ---- users ---------------------------------------------------------------------------------

/** ml-1m's codes (README of ml-1m). */
const AGE_GROUPS_1M: Record<string, string> = {
  "1": "Under 18",
  "18": "18-24",
  "25": "25-34",
  "35": "35-44",
  "45": "45-49",
  "50": "50-55",
  "56": "56+",
};
const OCCUPATIONS_1M = [
  "other",
  "academic/educator",
  "artist",
  "clerical/admin",
  "college/grad student",
  "customer service",
  "doctor/health care",
  "executive/managerial",
  "farmer",
  "homemaker",
  "K-12 student",
  "lawyer",
  "programmer",
  "retired",
  "sales/marketing",
  "scientist",
  "self-employed",
  "technician/engineer",
  "tradesman/craftsman",
  "unemployed",
  "writer",
];

async function* readUsers(ctx: ImportContext, files: MovieLensFiles, prefix: string): AsyncGenerator<UserRecord> {
  const is100k = files.layout === "100k";
  const format = is100k
    ? { delimiter: "|", quoted: false, encoding: "latin1" as const, fields: 5 }
    : { delimiter: "::", quoted: false, encoding: "latin1" as const, fields: 5 };
  for await (const { fileIndex, rows } of datasetRows(ctx, files.users!, format)) {
    for (const row of rows) {
      const f = row.fields.map((v) => v.trim());
      const userId = f[0]!;
      // u.user: id|age|gender|occupation|zip    users.dat: id::gender::age::occupation::zip
      const [age, gender, occupation, zip] = is100k ? [f[1]!, f[2]!, f[3]!, f[4]!] : [f[2]!, f[1]!, f[3]!, f[4]!];
      const reason =
        checkNumericId("user id", userId) ??
        checkNumericId("age", age) ??
        (/^[MF]$/.test(gender) ? null : `bad gender "${gender.slice(0, 10)}": expected M or F`) ??
        (is100k ? null : checkNumericId("occupation", occupation));
      if (reason) {
        ctx.reject(fileIndex, row.line, reason);
        continue;
      }
      const attributes: Record<string, unknown> = is100k
        ? { age: Number(age), gender, occupation, zip }
        : {
            gender,
            ageGroup: AGE_GROUPS_1M[age] ?? `code ${age}`,
            occupation: OCCUPATIONS_1M[Number(occupation)] ?? `code ${occupation}`,
            zip,
          };
      yield { externalId: prefix + userId, attributes };
    }
  }
}
