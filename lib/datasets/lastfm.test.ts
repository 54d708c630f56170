import path from "node:path";
import { describe, expect, it } from "vitest";
import { calendarDayMs, detectLastFmLayout, lastFmSteps } from "./lastfm";
import { collectSteps, FIXTURES } from "./test-helpers";

const dir = path.join(FIXTURES, "lastfm");

describe("Last.fm HetRec 2011", () => {
  it("needs the timestamped taggings, artists and tags", () => {
    expect(detectLastFmLayout(dir)).toMatchObject({ userArtists: expect.any(String), friends: expect.any(String) });
    expect(() => detectLastFmLayout(path.join(FIXTURES, "ml-100k"))).toThrow(
      /missing user_taggedartists-timestamps\.dat \(or user_taggedartists\.dat\), artists\.dat, tags\.dat/,
    );
  });

  it("reads artists and tags in UTF-8 or, line by line, Latin-1", async () => {
    const out = await collectSteps((ctx) => lastFmSteps(ctx, detectLastFmLayout(dir), ""));
    expect(out.items.map((i) => i.title)).toEqual(["MALICE MIZER", "Björk", "Mötley Crüe", "Diary of Dreams"]);
    expect(out.items[0]!.attributes).toEqual({
      artistId: 1,
      url: "http://www.last.fm/music/MALICE+MIZER",
      pictureUrl: "http://userserve-ak.last.fm/serve/252/10808.jpg",
    });
    expect(out.events.find((e) => e.line === 7)!.text).toBe("nouvelle chanson française");
  });

  it("logs only the timestamped taggings; play counts and friends become user attributes", async () => {
    const out = await collectSteps((ctx) => lastFmSteps(ctx, detectLastFmLayout(dir), "lfm:"));
    expect(out.events.every((e) => e.kind === "tag" && e.value === null)).toBe(true);
    expect(out.events[0]).toMatchObject({
      user: "lfm:2",
      item: "lfm:1",
      tsMs: 1238536800000,
      text: "j-rock",
      sourceEventId: "t:2:1:3:1238536800000",
    });
    // the unknown artist 77 is left to the database to reject (it may exist from an earlier import)
    expect(out.events.map((e) => e.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(out.rejected).toEqual([
      { file: "user_artists.dat", line: 7, reason: "unknown artist 9" },
      { file: "user_taggedartists-timestamps.dat", line: 10, reason: "unknown tag id 99" },
      {
        file: "user_taggedartists-timestamps.dat",
        line: 11,
        reason: "negative timestamp (-28800000000 ms, before 1970)",
      },
    ]);
    const user2 = out.users.find((u) => u.externalId === "lfm:2")!;
    expect(user2.attributes).toEqual({
      totalPlays: 13883 + 11690 + 3735,
      artistCount: 3,
      topArtists: [
        { name: "MALICE MIZER", plays: 13883 },
        { name: "Björk", plays: 11690 },
        { name: "Diary of Dreams", plays: 3735 },
      ],
      friendCount: 2,
    });
    const malice = out.labels.find((l) => l.externalId === "lfm:1")!;
    expect(malice.tags).toEqual(["j-rock", "metal"]); // j-rock twice, metal once
    expect(malice.categories).toEqual(["j-rock", "metal"]);
    expect(out.order).toEqual(["items", "users", "events", "itemLabels"]);
  });
});

describe("user_taggedartists.dat dates", () => {
  it("is midnight UTC of the day; impossible days are refused", () => {
    expect(calendarDayMs("1", "4", "2009")).toBe(Date.UTC(2009, 3, 1));
    expect(calendarDayMs("29", "2", "2008")).toBe(Date.UTC(2008, 1, 29));
    expect(calendarDayMs("29", "2", "2009")).toEqual({ error: expect.stringMatching(/^bad date/) });
    expect(calendarDayMs("0", "1", "2009")).toEqual({ error: expect.any(String) });
    expect(calendarDayMs("1", "13", "2009")).toEqual({ error: expect.any(String) });
    expect(calendarDayMs("x", "1", "2009")).toEqual({ error: expect.any(String) });
  });

  it("detects the layout without the timestamps file", () => {
    expect(detectLastFmLayout(path.join(FIXTURES, "lastfm-dates"))).toMatchObject({
      taggings: expect.stringMatching(/user_taggedartists\.dat$/),
      taggingsFormat: "dates",
    });
    expect(detectLastFmLayout(dir).taggingsFormat).toBe("timestamps");
  });
});
