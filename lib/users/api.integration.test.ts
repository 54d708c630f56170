import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it } from "vitest";
import { GET as getActivity } from "../../app/api/users/[id]/activity/route";
import { GET as getBehaviors } from "../../app/api/users/[id]/behaviors/route";
import { GET as getUser } from "../../app/api/users/[id]/route";
import { GET as listUsersRoute } from "../../app/api/users/route";
import { useTestDatabase } from "../../test/db";
import { createApiToken } from "../auth/api-tokens";
import { EXAMPLE, insertFixture } from "./test-fixtures";

useTestDatabase();

// Every users route needs at least the viewer role: the tests call as a viewer API token.
let authorization = "";
beforeAll(async () => {
  await insertFixture(EXAMPLE);
  await insertFixture({
    users: [{ externalId: "decade" }],
    items: [],
    behaviors: [
      { user: "decade", item: "m1", ts: "2000-01-01T00:00:00Z" },
      { user: "decade", item: "m2", ts: "2010-01-01T00:00:00Z" },
    ],
  });
  const { token } = await createApiToken({ name: "users-api-test", role: "viewer", createdById: null });
  authorization = `Bearer ${token}`;
});

const BASE = "http://localhost/api/users";
const request = (url: string, headers: Record<string, string> = { authorization }) => new NextRequest(url, { headers });
const noParams = { params: Promise.resolve({}) };
const forUser = (id: string) => ({ params: Promise.resolve({ id }) });

async function json(res: Response) {
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe("GET /api/users", () => {
  it("lists with search, sort and paging from the query string", async () => {
    const { status, body } = await json(
      await listUsersRoute(request(`${BASE}?q=1&sort=externalId&dir=desc&page=1&pageSize=1`), noParams),
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ total: 2, page: 1, pageSize: 1 });
    expect(body.users).toEqual([expect.objectContaining({ externalId: "10", eventCount: 5, sparkline: [2, 0, 2, 1] })]);
  });

  it("uses defaults when the query string is empty", async () => {
    const { body } = await json(await listUsersRoute(request(BASE), noParams));
    expect(body).toMatchObject({ total: 7, page: 1, pageSize: 25 });
    expect(body.users[0].externalId).toBe("10");
  });

  it.each([
    ["page=0", "page"],
    ["pageSize=201", "pageSize"],
    ["pageSize=0", "pageSize"],
    ["sort=name", "sort"],
    ["dir=up", "dir"],
    [`q=${"x".repeat(201)}`, "q"],
  ])("rejects %s with 422 naming the field", async (qs, field) => {
    const { status, body } = await json(await listUsersRoute(request(`${BASE}?${qs}`), noParams));
    expect(status).toBe(422);
    expect(body.error.code).toBe("unprocessable");
    expect(body.error.details.map((d: { path: string }) => d.path)).toContain(field);
  });
});

describe("access", () => {
  it("refuses a caller who is not signed in", async () => {
    const res = await listUsersRoute(request(BASE, {}), noParams);
    expect(res.status).toBe(401);
    expect(await getUser(request(`${BASE}/10`, {}), forUser("10")).then((r) => r.status)).toBe(401);
  });
});

describe("GET /api/users/[id]", () => {
  it("returns the profile by external id", async () => {
    const { status, body } = await json(await getUser(request(`${BASE}/10`), forUser("10")));
    expect(status).toBe(200);
    expect(body.user).toMatchObject({ externalId: "10", attributes: { age: 25 }, eventCount: 5, distinctItems: 3 });
  });

  it("answers 404 with a message for an unknown user, on every user route", async () => {
    const expected = { status: 404, body: { error: { code: "not_found", message: "User not found." } } };
    expect(await json(await getUser(request(`${BASE}/nobody`), forUser("nobody")))).toEqual(expected);
    expect(await json(await getBehaviors(request(`${BASE}/nobody/behaviors`), forUser("nobody")))).toEqual(expected);
    expect(await json(await getActivity(request(`${BASE}/nobody/activity`), forUser("nobody")))).toEqual(expected);
  });
});

describe("GET /api/users/[id]/behaviors", () => {
  it("pages the log with ids as JSON numbers", async () => {
    const { status, body } = await json(
      await getBehaviors(request(`${BASE}/10/behaviors?page=2&pageSize=2`), forUser("10")),
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ total: 5, page: 2, pageSize: 2 });
    expect(body.behaviors).toHaveLength(2);
    expect(typeof body.behaviors[0].id).toBe("number");
    expect(body.behaviors[0].item).toMatchObject({ title: "<script>alert(1)</script>" });
  });

  it("rejects a page size above 200", async () => {
    const res = await getBehaviors(request(`${BASE}/10/behaviors?pageSize=500`), forUser("10"));
    expect(res.status).toBe(422);
  });
});

describe("GET /api/users/[id]/activity", () => {
  it("returns the series in the requested bucket", async () => {
    const { status, body } = await json(await getActivity(request(`${BASE}/10/activity?bucket=month`), forUser("10")));
    expect(status).toBe(200);
    expect(body.bucket).toBe("month");
    expect(body.points.map((p: { total: number }) => p.total)).toEqual([2, 0, 2, 1]);
  });

  it("refuses a bucket that would need more bars than a chart can show, and says why", async () => {
    const { status, body } = await json(
      await getActivity(request(`${BASE}/decade/activity?bucket=day`), forUser("decade")),
    );
    expect(status).toBe(422);
    expect(body.error.message).toBe(
      "Per day, this user's activity would need 3654 bars (at most 1500): choose a longer bucket.",
    );
    const auto = await json(await getActivity(request(`${BASE}/decade/activity`), forUser("decade")));
    expect(auto.body).toMatchObject({ bucket: "month" });
    expect(auto.body.points).toHaveLength(121);
  });

  it("rejects an unknown bucket", async () => {
    const res = await getActivity(request(`${BASE}/10/activity?bucket=year`), forUser("10"));
    expect(res.status).toBe(422);
  });
});
