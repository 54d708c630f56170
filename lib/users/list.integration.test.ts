import { beforeAll, describe, expect, it, vi } from "vitest";
import { useTestDatabase } from "../../test/db";
import { pool } from "../db/client";
import { listUsers, substringPattern } from "./list";
import { userListQuery, type UserListQuery } from "./schemas";
import { EXAMPLE, insertFixture } from "./test-fixtures";

useTestDatabase();
beforeAll(() => insertFixture(EXAMPLE));

const list = (q: Partial<UserListQuery>) => listUsers(userListQuery.parse(q));
const ids = async (q: Partial<UserListQuery>) => (await list(q)).users.map((u) => u.externalId);

describe("listUsers", () => {
  it("sorts by events, most first by default, ties by newest id", async () => {
    expect(await ids({})).toEqual(["10", "alice", "1", "al_ice", "2", "zero"]);
    expect(await ids({ dir: "asc" })).toEqual(["zero", "2", "al_ice", "1", "alice", "10"]);
  });

  it("sorts numeric external ids as numbers, before other ids", async () => {
    const asc = await ids({ sort: "externalId", dir: "asc" });
    expect(asc.slice(0, 3)).toEqual(["1", "2", "10"]);
    expect(asc.at(-1)).toBe("zero");
    expect(await ids({ sort: "externalId", dir: "desc" })).toEqual([...asc].reverse());
  });

  it("sorts by first and last activity with users without events last either way", async () => {
    expect(await ids({ sort: "first", dir: "asc" })).toEqual(["10", "2", "1", "alice", "al_ice", "zero"]);
    expect(await ids({ sort: "last", dir: "desc" })).toEqual(["al_ice", "alice", "1", "2", "10", "zero"]);
  });

  it("paginates with a stable total", async () => {
    const page2 = await list({ pageSize: 2, page: 2 });
    expect(page2.users.map((u) => u.externalId)).toEqual(["1", "al_ice"]);
    expect(page2).toMatchObject({ total: 6, page: 2, pageSize: 2 });
    const beyond = await list({ pageSize: 2, page: 9 });
    expect(beyond.users).toEqual([]);
    expect(beyond.total).toBe(6);
  });

  it("searches a case-insensitive substring of the external id, wildcards taken literally", async () => {
    expect(await ids({ q: "ALI" })).toEqual(["alice"]);
    expect(await ids({ q: "l_" })).toEqual(["al_ice"]);
    expect(await ids({ q: "%" })).toEqual([]);
    const found = await list({ q: "1" });
    expect(found.total).toBe(2);
    expect(found.users.map((u) => u.externalId).sort()).toEqual(["1", "10"]);
  });

  it("returns the denormalised counters and a monthly sparkline with empty months as zeros", async () => {
    const { users } = await list({ q: "10" });
    expect(users[0]).toEqual({
      id: expect.any(Number),
      externalId: "10",
      eventCount: 5,
      firstEventAt: "2018-01-05T08:00:00.000Z",
      lastEventAt: "2018-04-30T23:59:59.000Z",
      sparkline: [2, 0, 2, 1],
      sparklineStart: "2018-01-01T00:00:00.000Z",
    });
    const zero = (await list({ q: "zero" })).users[0]!;
    expect(zero).toMatchObject({ eventCount: 0, firstEventAt: null, sparkline: [], sparklineStart: null });
  });

  it("needs three queries whatever the page size (page, total, one GROUP BY for sparklines)", async () => {
    const spy = vi.spyOn(pool(), "query");
    try {
      await list({ pageSize: 200 });
      expect(spy).toHaveBeenCalledTimes(3);
    } finally {
      spy.mockRestore();
    }
  });
});

describe("substringPattern", () => {
  it("escapes LIKE wildcards and backslashes", () => {
    expect(substringPattern("a_b%c\\d")).toBe("%a\\_b\\%c\\\\d%");
  });
});
