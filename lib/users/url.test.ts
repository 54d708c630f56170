import { describe, expect, it } from "vitest";
import { parseUserListSearch, userListQuery } from "./schemas";
import { usersHref } from "./url";

const defaults = userListQuery.parse({});

describe("usersHref", () => {
  it("leaves defaults out", () => {
    expect(usersHref("/users", defaults)).toBe("/users");
  });

  it("writes sort and direction together, and the rest when set", () => {
    expect(usersHref("/users", { ...defaults, sort: "externalId", dir: "desc" })).toBe(
      "/users?sort=externalId&dir=desc",
    );
    expect(usersHref("/users", { ...defaults, q: "a b", page: 3, pageSize: 50 })).toBe(
      "/users?q=a+b&page=3&pageSize=50",
    );
  });

  it("round-trips through the URL parser", () => {
    const params = { q: "4%_", sort: "last", dir: "asc", page: 2, pageSize: 100 } as const;
    const url = new URL(usersHref("/users", params), "http://x");
    expect(parseUserListSearch(url.searchParams)).toEqual(params);
  });
});

describe("parseUserListSearch", () => {
  it("falls back to the default for each invalid value only", () => {
    expect(parseUserListSearch(new URLSearchParams("sort=name&dir=asc&page=-1&pageSize=500&q=x"))).toEqual({
      ...defaults,
      dir: "asc",
      q: "x",
    });
  });
});
