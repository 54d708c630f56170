import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/db";
import { pool } from "../db/client";
import { DEMO_DATASET_DIR } from "./demo";
import { importMovieLens } from "./movielens";
import { FIXTURES } from "./test-helpers";

useTestDatabase();

const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
  (await pool().query(sql, params)).rows as T[];
const one = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => (await q<T>(sql, params))[0]!;

/** Data lines of a CSV file with a header (the MovieLens files have no blank or multi-line rows). */
const dataLines = (file: string) =>
  fs.readFileSync(path.join(DEMO_DATASET_DIR, file), "utf8").trim().split(/\r?\n/).length - 1;

/** Users whose denormalised counters disagree with their behaviours. */
const COUNTER_MISMATCHES = `
  SELECT count(*)::int AS n FROM users u
  LEFT JOIN (SELECT user_id, count(*)::int AS c, min(ts) AS lo, max(ts) AS hi FROM behaviors GROUP BY user_id) b ON b.user_id = u.id
  WHERE u.event_count <> coalesce(b.c, 0)
     OR u.first_event_at IS DISTINCT FROM b.lo
     OR u.last_event_at IS DISTINCT FROM b.hi`;

describe("importing MovieLens ml-latest-small", () => {
  it("matches the files exactly, and a second import adds nothing", { timeout: 300_000 }, async () => {
    // The files: 9,742 movies (and links), 100,836 ratings by 610 users, 3,683 tags.
    const expected = {
      movies: dataLines("movies.csv"),
      ratings: dataLines("ratings.csv"),
      tags: dataLines("tags.csv"),
      links: dataLines("links.csv"),
    };
    expect(expected).toEqual({ movies: 9742, ratings: 100836, tags: 3683, links: 9742 });
    const ratingUsers = new Set(
      fs
        .readFileSync(path.join(DEMO_DATASET_DIR, "ratings.csv"), "utf8")
        .trim()
        .split(/\r?\n/)
        .slice(1)
        .map((l) => l.split(",")[0]),
    );
    expect(ratingUsers.size).toBe(610);

    const first = await importMovieLens(DEMO_DATASET_DIR);
    expect(first).toMatchObject({
      status: "succeeded",
      source: "movielens",
      rowsRead: expected.links + expected.movies + expected.ratings + expected.tags,
      inserted: expected.ratings + expected.tags,
      duplicates: 0,
      rejected: 0,
      usersCreated: 610,
      itemsCreated: 9742,
      errors: [],
    });
    expect(first.files.map((f) => path.basename(f))).toEqual(["links.csv", "movies.csv", "ratings.csv", "tags.csv"]);
    expect(
      await one(`SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM items) AS items,
                        (SELECT count(*)::int FROM behaviors WHERE kind = 'rate') AS rates,
                        (SELECT count(*)::int FROM behaviors WHERE kind = 'tag') AS tags`),
    ).toEqual({ users: 610, items: 9742, rates: 100836, tags: 3683 });
    expect((await one<{ n: number }>(COUNTER_MISMATCHES)).n).toBe(0);

    // A spot check: the first line of ratings.csv is "1,1,4.0,964982703".
    expect(
      await one(`SELECT b.value, b.ts, b.source_event_id, u.external_id AS u, i.title, i.categories, i.attributes
                   FROM behaviors b JOIN users u ON u.id = b.user_id JOIN items i ON i.id = b.item_id
                  WHERE b.source = 'movielens' AND b.source_event_id = 'r:1:1:964982703'`),
    ).toEqual({
      value: 4,
      ts: new Date(964982703000),
      source_event_id: "r:1:1:964982703",
      u: "1",
      title: "Toy Story (1995)",
      categories: ["Adventure", "Animation", "Children", "Comedy", "Fantasy"],
      attributes: { movieId: 1, year: 1995, imdbId: "0114709", tmdbId: "862" },
    });
    expect(await one(`SELECT title, tags FROM items WHERE external_id = '11'`)).toMatchObject({
      title: "American President, The (1995)",
    });
    expect(await one(`SELECT text FROM behaviors WHERE source_event_id = 't:2:60756:1445714994:funny'`)).toEqual({
      text: "funny",
    });
    expect((await one<{ n: number }>(`SELECT count(*)::int AS n FROM items WHERE cardinality(tags) > 0`)).n).toBe(1572);

    const second = await importMovieLens(DEMO_DATASET_DIR);
    expect(second).toMatchObject({
      status: "succeeded",
      inserted: 0,
      duplicates: expected.ratings + expected.tags,
      usersCreated: 0,
      itemsCreated: 0,
    });
    expect((await one<{ n: number }>(`SELECT count(*)::int AS n FROM behaviors`)).n).toBe(104519);
    expect((await one<{ n: number }>(COUNTER_MISMATCHES)).n).toBe(0);

    const runs = await q(
      `SELECT id, source, status, inserted, duplicates, rows_read, finished_at IS NOT NULL AS finished FROM import_runs ORDER BY id`,
    );
    expect(runs).toEqual([
      {
        id: first.runId,
        source: "movielens",
        status: "succeeded",
        inserted: 104519,
        duplicates: 0,
        rows_read: 124003,
        finished: true,
      },
      {
        id: second.runId,
        source: "movielens",
        status: "succeeded",
        inserted: 0,
        duplicates: 104519,
        rows_read: 124003,
        finished: true,
      },
    ]);
  });
});

describe("importing the MovieLens 100K and 1M layouts", () => {
  it("imports u.data/u.item/u.user with profiles, under an id prefix", async () => {
    const s = await importMovieLens(path.join(FIXTURES, "ml-100k"), { source: "ml100k", idPrefix: "ml100k:" });
    expect(s).toMatchObject({ status: "succeeded", inserted: 10, usersCreated: 3, itemsCreated: 6, rejected: 0 });
    expect(await one(`SELECT attributes, event_count FROM users WHERE external_id = 'ml100k:2'`)).toEqual({
      attributes: { age: 53, gender: "F", occupation: "other", zip: "94043" },
      event_count: 3,
    });
    expect(await one(`SELECT title FROM items WHERE external_id = 'ml100k:5'`)).toEqual({
      title: "Señorita Extraviada (2001)",
    });
  });

  it("imports ratings.dat/movies.dat/users.dat", async () => {
    const s = await importMovieLens(path.join(FIXTURES, "ml-1m"), { source: "ml1m", idPrefix: "ml1m:" });
    expect(s).toMatchObject({ status: "succeeded", inserted: 8, usersCreated: 3, itemsCreated: 4 });
    expect(
      await one(`SELECT u.attributes->>'occupation' AS occupation, u.event_count, u.first_event_at, u.last_event_at
                        FROM users u WHERE external_id = 'ml1m:3'`),
    ).toEqual({
      occupation: "scientist",
      event_count: 3,
      first_event_at: new Date(978294008000),
      last_event_at: new Date(978299941000),
    });
  });
});

describe("bad rows", () => {
  const bad = path.join(FIXTURES, "ml-latest-bad");
  const counts = () =>
    one(
      `SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM items) AS items, (SELECT count(*)::int FROM behaviors) AS behaviors`,
    );

  it("--strict writes nothing and records the failed run with its errors", async () => {
    const before = await counts();
    const s = await importMovieLens(bad, { strict: true, source: "mlbad", idPrefix: "bad:" });
    expect(s.status).toBe("failed");
    expect(s.errorMessage).toMatch(/--strict: 10 row\(s\) rejected, so nothing was written/);
    expect(s).toMatchObject({ inserted: 0, usersCreated: 0, itemsCreated: 0, rejected: 10 });
    expect(await counts()).toEqual(before);
    const run = await one(`SELECT status, rejected, error_message, errors FROM import_runs WHERE id = $1`, [s.runId]);
    expect(run).toMatchObject({ status: "failed", rejected: 10, error_message: s.errorMessage });
    expect((run.errors as unknown[]).length).toBe(10);
  });

  it("without --strict stores the good rows and reports the others, unknown items included", async () => {
    const s = await importMovieLens(bad, { source: "mlbad", idPrefix: "bad:" });
    expect(s).toMatchObject({ status: "succeeded", inserted: 3, rejected: 10, itemsCreated: 2 });
    const basename = (e: { file: string; line: number; reason: string }) =>
      `${path.basename(e.file)}:${e.line} ${e.reason}`;
    expect(s.errors.map(basename)).toEqual([
      "movies.csv:4 title is 1001 characters long (limit 1000)",
      'movies.csv:5 bad movie id "x4": expected a number',
      'ratings.csv:3 bad number in rating: "abc"',
      "ratings.csv:4 rating is NaN",
      "ratings.csv:5 rating is Infinity (not finite)",
      "ratings.csv:6 missing field: expected 4 fields, found 2",
      "ratings.csv:7 negative timestamp (-5000 ms, before 1970)",
      expect.stringMatching(/^ratings\.csv:8 timestamp in the future/),
      'ratings.csv:9 unknown item "bad:999"',
      "tags.csv:3 invalid UTF-8 (replacement character U+FFFD in the row)",
    ]);
  });

  it("records a run that fails midway (a file with the wrong header) as failed, with the reason", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-wrong-"));
    fs.copyFileSync(path.join(FIXTURES, "ml-latest-tiny", "movies.csv"), path.join(dir, "movies.csv"));
    fs.writeFileSync(path.join(dir, "ratings.csv"), "user,movie,stars,when\n1,1,4.0,964982703\n");
    const s = await importMovieLens(dir, { source: "wrong", idPrefix: "wrong:" });
    fs.rmSync(dir, { recursive: true });
    expect(s).toMatchObject({ status: "failed", inserted: 0, itemsCreated: 0 });
    expect(s.errorMessage).toMatch(
      /expected the header "userId,movieId,rating,timestamp" on line 1, found "user,movie,stars,when"/,
    );
    const run = await one(
      `SELECT status, error_message, finished_at IS NOT NULL AS finished FROM import_runs WHERE id = $1`,
      [s.runId],
    );
    expect(run).toEqual({ status: "failed", error_message: s.errorMessage, finished: true });
    expect((await one<{ n: number }>(`SELECT count(*)::int AS n FROM items WHERE external_id LIKE 'wrong:%'`)).n).toBe(
      0,
    );
  });

  it("two imports of the same files at once store each event once", async () => {
    const dir = path.join(FIXTURES, "ml-latest-tiny");
    const [a, b] = await Promise.all([
      importMovieLens(dir, { source: "race", idPrefix: "race:" }),
      importMovieLens(dir, { source: "race", idPrefix: "race:" }),
    ]);
    expect([a.status, b.status]).toEqual(["succeeded", "succeeded"]);
    expect(a.inserted + b.inserted).toBe(13);
    expect(a.inserted + a.duplicates).toBe(13);
    expect((await one<{ n: number }>(`SELECT count(*)::int AS n FROM behaviors WHERE source = 'race'`)).n).toBe(13);
    expect((await one<{ n: number }>(COUNTER_MISMATCHES)).n).toBe(0);
  });
});
