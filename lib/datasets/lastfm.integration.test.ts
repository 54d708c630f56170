import path from "node:path";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/db";
import { pool } from "../db/client";
import { importLastFm } from "./lastfm";
import { FIXTURES } from "./test-helpers";

useTestDatabase();

describe("importing Last.fm HetRec 2011", () => {
  it("logs the timestamped taggings, labels artists with their top tags, and keeps plays as user attributes", async () => {
    const s = await importLastFm(path.join(FIXTURES, "lastfm"));
    expect(s).toMatchObject({
      status: "succeeded",
      source: "lastfm",
      inserted: 7,
      itemsCreated: 4,
      usersCreated: 2,
      rejected: 4,
    });
    expect(s.errors.map((e) => `${path.basename(e.file)}:${e.line} ${e.reason}`)).toEqual([
      "user_artists.dat:7 unknown artist 9",
      'user_taggedartists-timestamps.dat:9 unknown item "77"',
      "user_taggedartists-timestamps.dat:10 unknown tag id 99",
      "user_taggedartists-timestamps.dat:11 negative timestamp (-28800000000 ms, before 1970)",
    ]);
    const { rows: items } = await pool().query(
      `SELECT external_id, title, categories, tags FROM items ORDER BY external_id`,
    );
    expect(items).toEqual([
      { external_id: "1", title: "MALICE MIZER", categories: ["j-rock", "metal"], tags: ["j-rock", "metal"] },
      { external_id: "2", title: "Björk", categories: ["new age"], tags: ["new age"] },
      {
        external_id: "3",
        title: "Mötley Crüe",
        categories: ["metal", "nouvelle chanson française"],
        tags: ["metal", "nouvelle chanson française"],
      },
      { external_id: "4", title: "Diary of Dreams", categories: [], tags: [] },
    ]);
    const { rows: users } = await pool().query(
      `SELECT external_id, event_count, attributes->'totalPlays' AS plays, attributes->'friendCount' AS friends FROM users ORDER BY external_id`,
    );
    // user 4 is only a friend of 2 and has no valid tagging: no user is made from rejected rows
    expect(users).toEqual([
      { external_id: "2", event_count: 3, plays: 29308, friends: 2 },
      { external_id: "3", event_count: 4, plays: 700, friends: 1 },
    ]);
    const tag = (
      await pool().query(`SELECT kind, value, text, ts FROM behaviors WHERE source_event_id = 't:3:3:4:1277935200001'`)
    ).rows[0];
    expect(tag).toEqual({ kind: "tag", value: null, text: "nouvelle chanson française", ts: new Date(1277935200001) });

    const again = await importLastFm(path.join(FIXTURES, "lastfm"));
    expect(again).toMatchObject({ inserted: 0, duplicates: 7, usersCreated: 0, itemsCreated: 0 });
  });

  it("says which file is the log, and counts taggings of artists missing from artists.dat", async () => {
    const s = await importLastFm(path.join(FIXTURES, "lastfm"), { source: "lastfm-report" });
    expect(s.report).toEqual({
      behaviourLog: "user_taggedartists-timestamps.dat",
      artistsMissingFromArtistsDat: {
        taggings: 1,
        artists: 1,
        handling: "rejected (--create-missing-items creates them)",
      },
    });
    const run = (await pool().query(`SELECT options FROM import_runs WHERE id = $1`, [s.runId])).rows[0];
    expect(run.options).toMatchObject({ behaviourLog: "user_taggedartists-timestamps.dat", report: s.report });
  });
});

describe("Last.fm without user_taggedartists-timestamps.dat", () => {
  const dir = path.join(FIXTURES, "lastfm-dates");

  it("reads user_taggedartists.dat (day, month, year) as the log and says so; missing artists are rejected by default", async () => {
    const s = await importLastFm(dir, { source: "lastfm-dates", idPrefix: "d:" });
    expect(s).toMatchObject({ status: "succeeded", inserted: 5, itemsCreated: 4, rejected: 4 });
    expect(s.report.behaviourLog).toMatch(
      /^user_taggedartists\.dat \(no user_taggedartists-timestamps\.dat: day, month, year/,
    );
    expect(s.report.artistsMissingFromArtistsDat).toEqual({
      taggings: 3,
      artists: 2,
      handling: "rejected (--create-missing-items creates them)",
    });
    expect(s.errors.map((e) => `${e.line} ${e.reason}`)).toEqual([
      '7 unknown item "d:77"',
      '8 unknown item "d:77"',
      '9 unknown item "d:78"',
      '10 bad date "31.2.2010": expected day, month and year',
    ]);
    const { rows } = await pool().query(
      `SELECT ts, text FROM behaviors WHERE source = 'lastfm-dates' AND source_event_id = 't:3:3:1:${Date.UTC(2010, 6, 1)}'`,
    );
    expect(rows).toEqual([{ ts: new Date("2010-07-01T00:00:00Z"), text: "metal" }]);
  });

  it("--create-missing-items creates flagged items titled with their id, and counts them", async () => {
    const s = await importLastFm(dir, { source: "lastfm-dates-2", idPrefix: "m:", createMissingItems: true });
    expect(s).toMatchObject({ status: "succeeded", inserted: 8, itemsCreated: 6, rejected: 1 });
    expect(s.report.artistsMissingFromArtistsDat).toEqual({
      taggings: 3,
      artists: 2,
      handling: "created as items titled with their id, flagged attributes.missingFromArtistsDat",
    });
    const { rows } = await pool().query(
      `SELECT external_id, title, attributes FROM items WHERE external_id IN ('m:77', 'm:78', 'm:1') ORDER BY external_id`,
    );
    expect(rows).toEqual([
      {
        external_id: "m:1",
        title: "MALICE MIZER",
        attributes: expect.not.objectContaining({ missingFromArtistsDat: true }),
      },
      { external_id: "m:77", title: "77", attributes: { artistId: 77, missingFromArtistsDat: true } },
      { external_id: "m:78", title: "78", attributes: { artistId: 78, missingFromArtistsDat: true } },
    ]);
    const again = await importLastFm(dir, { source: "lastfm-dates-2", idPrefix: "m:", createMissingItems: true });
    expect(again).toMatchObject({ inserted: 0, duplicates: 8, itemsCreated: 0 });
  });
});
