import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DatasetError } from "./common";
import { detectMovieLensLayout, movieLensSteps } from "./movielens";
import { collectSteps, FIXTURES } from "./test-helpers";

const fixture = (name: string) => path.join(FIXTURES, name);
const steps = (name: string, prefix = "") =>
  collectSteps((ctx) => movieLensSteps(ctx, detectMovieLensLayout(fixture(name)), prefix));

describe("detectMovieLensLayout", () => {
  it("recognises the three layouts from the files present", () => {
    expect(detectMovieLensLayout(fixture("ml-latest-tiny"))).toMatchObject({
      layout: "latest",
      tags: expect.any(String),
      links: expect.any(String),
    });
    expect(detectMovieLensLayout(fixture("ml-100k"))).toMatchObject({
      layout: "100k",
      users: expect.any(String),
      genres: expect.any(String),
    });
    expect(detectMovieLensLayout(fixture("ml-1m"))).toMatchObject({
      layout: "1m",
      users: expect.any(String),
      tags: undefined,
    });
  });

  it("says what it expected when the folder is something else", () => {
    expect(() => detectMovieLensLayout(fixture("lastfm"))).toThrow(/u\.data \+ u\.item/);
    expect(() => detectMovieLensLayout(path.join(FIXTURES, "nope"))).toThrow(DatasetError);
    const half = fs.mkdtempSync(path.join(os.tmpdir(), "ml-half-"));
    fs.writeFileSync(path.join(half, "ratings.csv"), "userId,movieId,rating,timestamp\n");
    expect(() => detectMovieLensLayout(half)).toThrow(/no movies\.csv/);
    fs.rmSync(half, { recursive: true });
  });
});

describe("MovieLens latest layout (CSV)", () => {
  it("reads quoted titles with commas and escaped quotes, genres and links", async () => {
    const out = await steps("ml-latest-tiny");
    const byId = new Map(out.items.map((i) => [i.externalId, i]));
    expect(byId.get("11")).toMatchObject({
      title: "American President, The (1995)",
      categories: ["Comedy", "Drama", "Romance"],
    });
    expect(byId.get("29")!.title).toBe("City of Lost Children, The (Cité des enfants perdus, La) (1995)");
    expect(byId.get("31")!.title).toBe('"Great Performances" Cats (1998)');
    expect(byId.get("32")!.categories).toEqual([]); // "(no genres listed)"
    expect(byId.get("1")!.attributes).toEqual({ movieId: 1, year: 1995, imdbId: "0114709", tmdbId: "862" });
    expect(byId.get("31")!.attributes).toEqual({ movieId: 31, year: 1998, imdbId: "0173714" });
    expect(out.rejected).toEqual([]);
  });

  it("turns ratings into 'rate' events and tags into 'tag' events with deterministic ids", async () => {
    const out = await steps("ml-latest-tiny", "ml:");
    const rates = out.events.filter((e) => e.kind === "rate");
    const tags = out.events.filter((e) => e.kind === "tag");
    expect(rates).toHaveLength(8);
    expect(tags).toHaveLength(5);
    expect(rates[0]).toMatchObject({
      user: "ml:1",
      item: "ml:1",
      tsMs: 964982703000,
      value: 4,
      text: null,
      sourceEventId: "r:1:1:964982703",
      file: "ratings.csv",
      line: 2,
    });
    expect(tags[1]).toMatchObject({
      text: "satire, political",
      value: null,
      sourceEventId: "t:2:30:1445714992:satire, political",
      line: 3,
    });
    // items before events, labels (most frequent tags) last
    expect(out.order).toEqual(["items", "events", "itemLabels"]);
    const toyStory = out.labels.find((l) => l.externalId === "ml:1")!;
    expect(toyStory.tags).toEqual(["pixar"]); // "Pixar" and "pixar" counted together
    expect(out.labels.find((l) => l.externalId === "ml:30")!.tags).toEqual(["dark comedy", "satire, political"]);
    expect(out.rowsRead).toBe(5 + 6 + 8 + 5);
  });

  it("rejects bad rows with file, line and reason", async () => {
    const out = await steps("ml-latest-bad");
    const reasons = out.rejected
      .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line)
      .map((r) => `${r.file}:${r.line} ${r.reason}`);
    expect(reasons).toEqual([
      "movies.csv:4 title is 1001 characters long (limit 1000)",
      'movies.csv:5 bad movie id "x4": expected a number',
      'ratings.csv:3 bad number in rating: "abc"',
      "ratings.csv:4 rating is NaN",
      "ratings.csv:5 rating is Infinity (not finite)",
      "ratings.csv:6 missing field: expected 4 fields, found 2",
      "ratings.csv:7 negative timestamp (-5000 ms, before 1970)",
      expect.stringMatching(/^ratings\.csv:8 timestamp in the future \(5138-/),
      "tags.csv:3 invalid UTF-8 (replacement character U+FFFD in the row)",
    ]);
    // the unknown movie (999) is only known to be unknown by the database: it stays an event here
    expect(out.events.map((e) => e.line)).toEqual([2, 9, 10, 2]);
  });
});

describe("MovieLens 100K layout", () => {
  it("reads u.item (Latin-1, genre flags), u.user profiles and u.data", async () => {
    const out = await steps("ml-100k");
    expect(out.items).toHaveLength(6);
    expect(out.items[3]).toMatchObject({
      externalId: "4",
      title: "Cité des enfants perdus, La (1995)",
      categories: ["Adventure", "Sci-Fi"],
    });
    expect(out.items[4]!.title).toBe("Señorita Extraviada (2001)");
    expect(out.items[0]!.attributes).toMatchObject({
      releaseDate: "01-Jan-1995",
      imdbUrl: expect.stringContaining("Toy%20Story"),
    });
    expect(out.items[5]!.categories).toEqual([]); // only the "unknown" genre
    expect(out.users).toEqual([
      { externalId: "1", attributes: { age: 24, gender: "M", occupation: "technician", zip: "85711" } },
      { externalId: "2", attributes: { age: 53, gender: "F", occupation: "other", zip: "94043" } },
      { externalId: "3", attributes: { age: 23, gender: "M", occupation: "writer", zip: "32067" } },
    ]);
    expect(out.events).toHaveLength(10);
    expect(out.events[0]).toMatchObject({
      user: "1",
      item: "1",
      value: 5,
      tsMs: 874965758000,
      kind: "rate",
      sourceEventId: "r:1:1:874965758",
    });
    expect(out.order).toEqual(["items", "users", "events"]);
    expect(out.rejected).toEqual([]);
  });
});

describe("MovieLens 1M layout", () => {
  it("reads '::'-separated movies (Latin-1), users with decoded codes, and ratings", async () => {
    const out = await steps("ml-1m");
    expect(out.items.map((i) => i.title)).toContain("Cité des enfants perdus, La (1995)");
    expect(out.items[0]!.categories).toEqual(["Animation", "Children's", "Comedy"]);
    expect(out.users[0]).toEqual({
      externalId: "1",
      attributes: { gender: "F", ageGroup: "Under 18", occupation: "K-12 student", zip: "48067" },
    });
    expect(out.users[1]!.attributes).toMatchObject({ ageGroup: "56+", occupation: "self-employed" });
    expect(out.events).toHaveLength(8);
    expect(out.events[1]).toMatchObject({ user: "1", item: "29", value: 3, tsMs: 978302109000 });
  });
});
