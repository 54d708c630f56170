import { beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/db";
import { getUserActivity } from "./activity";
import { listUserBehaviors } from "./behaviors";
import { getUserProfile } from "./profile";
import { EXAMPLE, insertFixture } from "./test-fixtures";

useTestDatabase();
beforeAll(() => insertFixture(EXAMPLE));

describe("getUserProfile", () => {
  it("returns attributes, counters and a summary of the log", async () => {
    expect(await getUserProfile("10")).toEqual({
      id: expect.any(Number),
      externalId: "10",
      attributes: { age: 25, gender: "F", occupation: "writer" },
      eventCount: 5,
      firstEventAt: "2018-01-05T08:00:00.000Z",
      lastEventAt: "2018-04-30T23:59:59.000Z",
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      distinctItems: 3,
      kinds: [
        { kind: "rating", count: 4 },
        { kind: "click", count: 1 },
      ],
    });
  });

  it("handles a user without events and an unknown id", async () => {
    expect(await getUserProfile("zero")).toMatchObject({ eventCount: 0, distinctItems: 0, kinds: [], attributes: {} });
    expect(await getUserProfile("nobody")).toBeNull();
  });
});

describe("listUserBehaviors", () => {
  it("pages the log newest first, ties by id, with item title and categories", async () => {
    const p1 = await listUserBehaviors("10", { page: 1, pageSize: 2 });
    expect(p1!.total).toBe(5);
    expect(p1!.behaviors.map((b) => b.ts)).toEqual(["2018-04-30T23:59:59.000Z", "2018-03-15T10:00:00.000Z"]);
    expect(p1!.behaviors[0]).toEqual({
      id: expect.any(Number),
      ts: "2018-04-30T23:59:59.000Z",
      kind: "rating",
      value: 3,
      source: "test",
      item: {
        id: expect.any(Number),
        externalId: "m1",
        title: "Toy Story (1995)",
        categories: ["Animation", "Children"],
      },
    });
    const p2 = await listUserBehaviors("10", { page: 2, pageSize: 2 });
    const p3 = await listUserBehaviors("10", { page: 3, pageSize: 2 });
    // The two events at 2018-03-15T10:00 straddle pages 1 and 2: the later-inserted one first.
    expect(p1!.behaviors[1]!.item.externalId).toBe("m2");
    expect(p2!.behaviors.map((b) => [b.ts, b.item.externalId])).toEqual([
      ["2018-03-15T10:00:00.000Z", "m3"],
      ["2018-01-06T08:00:00.000Z", "m2"],
    ]);
    expect(p3!.behaviors.map((b) => b.kind)).toEqual(["rating"]);
    const all = [...p1!.behaviors, ...p2!.behaviors, ...p3!.behaviors].map((b) => b.id);
    expect(new Set(all).size).toBe(5);
    expect(typeof all[0]).toBe("number");
  });

  it("keeps item titles as stored text and null values", async () => {
    const { behaviors } = (await listUserBehaviors("10", { page: 1, pageSize: 50 }))!;
    expect(behaviors.map((b) => b.item.title)).toContain("<script>alert(1)</script>");
    expect(behaviors.find((b) => b.kind === "click")!.value).toBeNull();
  });

  it("returns an empty page past the end and null for an unknown user", async () => {
    expect(await listUserBehaviors("10", { page: 4, pageSize: 2 })).toMatchObject({ behaviors: [], total: 5 });
    expect(await listUserBehaviors("nobody", { page: 1, pageSize: 2 })).toBeNull();
  });
});

describe("getUserActivity", () => {
  it("counts per month with kinds, mean rating and empty months as zeros", async () => {
    const a = (await getUserActivity("10", { bucket: "month" }))!;
    expect(a.bucket).toBe("month");
    expect(a.kinds).toEqual(["rating", "click"]);
    expect(a.points).toEqual([
      { start: "2018-01-01T00:00:00.000Z", total: 2, byKind: { rating: 1, click: 1 }, meanRating: 4 },
      { start: "2018-02-01T00:00:00.000Z", total: 0, byKind: {}, meanRating: null },
      { start: "2018-03-01T00:00:00.000Z", total: 2, byKind: { rating: 2 }, meanRating: 3.5 },
      { start: "2018-04-01T00:00:00.000Z", total: 1, byKind: { rating: 1 }, meanRating: 3 },
    ]);
  });

  it("picks the bucket from the span: weeks (Monday starts) for four months, days for three days", async () => {
    const weeks = (await getUserActivity("10", { bucket: "auto" }))!;
    expect(weeks.bucket).toBe("week");
    expect(weeks.points[0]!.start).toBe("2018-01-01T00:00:00.000Z"); // a Monday
    expect(weeks.points.at(-1)!.start).toBe("2018-04-30T00:00:00.000Z");
    expect(weeks.points).toHaveLength(18);
    expect(weeks.points.reduce((s, p) => s + p.total, 0)).toBe(5);
    expect(weeks.points.find((p) => p.start === "2018-03-12T00:00:00.000Z")!.total).toBe(2);

    const days = (await getUserActivity("alice", { bucket: "auto" }))!;
    expect(days.bucket).toBe("day");
    expect(days.points.map((p) => p.total)).toEqual([1, 1, 1]);
  });

  it("returns an empty series for a user without events and null for an unknown user", async () => {
    expect(await getUserActivity("zero", { bucket: "auto" })).toEqual({ bucket: "month", kinds: [], points: [] });
    expect(await getUserActivity("nobody", { bucket: "auto" })).toBeNull();
  });
});
