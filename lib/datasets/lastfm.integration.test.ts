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
    expect(s).toMatchObject({ status: "succeeded", source: "lastfm", inserted: 7, itemsCreated: 4, usersCreated: 2, rejected: 4 });
    expect(s.errors.map((e) => `${path.basename(e.file)}:${e.line} ${e.reason}`)).toEqual([
      "user_artists.dat:7 unknown artist 9",
      'user_taggedartists-timestamps.dat:9 unknown item "77"',
      "user_taggedartists-timestamps.dat:10 unknown tag id 99",
      "user_taggedartists-timestamps.dat:11 negative timestamp (-28800000000 ms, before 1970)",
    ]);
    const { rows: items } = await pool().query(`SELECT external_id, title, categories, tags FROM items ORDER BY external_id`);
    expect(items).toEqual([
      { external_id: "1", title: "MALICE MIZER", categories: ["j-rock", "metal"], tags: ["j-rock", "metal"] },
      { external_id: "2", title: "Björk", categories: ["new age"], tags: ["new age"] },
      { external_id: "3", title: "Mötley Crüe", categories: ["metal", "nouvelle chanson française"], tags: ["metal", "nouvelle chanson française"] },
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
    const tag = (await pool().query(`SELECT kind, value, text, ts FROM behaviors WHERE source_event_id = 't:3:3:4:1277935200001'`)).rows[0];
    expect(tag).toEqual({ kind: "tag", value: null, text: "nouvelle chanson française", ts: new Date(1277935200001) });

    const again = await importLastFm(path.join(FIXTURES, "lastfm"));
    expect(again).toMatchObject({ inserted: 0, duplicates: 7, usersCreated: 0, itemsCreated: 0 });
  });
});
