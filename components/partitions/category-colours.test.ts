import { describe, expect, it } from "vitest";
import { categoryColour, fnv1a, NO_CATEGORY_COLOUR, OTHER_CATEGORY, OTHER_COLOUR } from "./category-colours";

const MOVIELENS_GENRES = [
  "Action",
  "Adventure",
  "Animation",
  "Children",
  "Comedy",
  "Crime",
  "Documentary",
  "Drama",
  "Fantasy",
  "Film-Noir",
  "Horror",
  "IMAX",
  "Musical",
  "Mystery",
  "Romance",
  "Sci-Fi",
  "Thriller",
  "War",
  "Western",
];

describe("categoryColour", () => {
  it("is a pure function of the name: same colour on every call, whatever the case or spaces", () => {
    expect(categoryColour("Drama")).toBe(categoryColour("Drama"));
    expect(categoryColour(" drama ")).toBe(categoryColour("Drama"));
    expect(categoryColour("post-rock")).toBe(categoryColour("Post-Rock"));
  });

  it("gives every MovieLens genre its own colour, none of them the Other or no-category grey", () => {
    const colours = MOVIELENS_GENRES.map((g) => categoryColour(g));
    expect(new Set(colours).size).toBe(MOVIELENS_GENRES.length);
    expect(colours).not.toContain(OTHER_COLOUR);
    expect(colours).not.toContain(NO_CATEGORY_COLOUR);
  });

  it("maps Other and missing categories to their own greys", () => {
    expect(categoryColour(OTHER_CATEGORY)).toBe(OTHER_COLOUR);
    expect(categoryColour(null)).toBe(NO_CATEGORY_COLOUR);
    expect(categoryColour("   ")).toBe(NO_CATEGORY_COLOUR);
  });

  it("spreads other categories over the palette and always returns a hex colour", () => {
    const tags = Array.from({ length: 200 }, (_, i) => `tag-${i}`);
    const colours = tags.map((t) => categoryColour(t));
    for (const c of colours) expect(c).toMatch(/^#[0-9a-f]{6}$/);
    expect(new Set(colours).size).toBeGreaterThanOrEqual(20);
  });
});

describe("fnv1a", () => {
  it("matches the reference FNV-1a 32-bit values", () => {
    expect(fnv1a("")).toBe(0x811c9dc5);
    expect(fnv1a("a")).toBe(0xe40c292c);
    expect(fnv1a("foobar")).toBe(0xbf9cf968);
  });
});
