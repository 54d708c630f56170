import { beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/db";
import { ensureDefaultPrompt } from "../summaries/prompts";
import { getUserSummaries } from "../summaries/service";
import { ingest, insertItems } from "./test-helpers";
import { getUserPartitions, OVERVIEW_BINS } from "./views";

/**
 * Issue 10, item 5: a user's partitions and summaries come a page at a time (bounded size),
 * with a binned overview of the whole life for the timeline's brush.
 */
useTestDatabase();

const DAY = 86_400_000;
const EVENTS = 2_050; // the default config seals every 50: 41 partitions, 0 left open

beforeAll(async () => {
  await insertItems([
    { externalId: "p1", categories: ["A"] },
    { externalId: "p2", categories: ["B"] },
  ]);
  const start = Date.UTC(2016, 0, 1);
  const events = Array.from({ length: EVENTS }, (_, i) => ({
    user: "long",
    item: i % 3 ? "p1" : "p2",
    ts: start + i * DAY,
  }));
  for (let i = 0; i < events.length; i += 1000) await ingest(events.slice(i, i + 1000));
  await ensureDefaultPrompt();
});

describe("paged partitions and summaries", () => {
  it("GET partitions: a page by seq, its position, and an overview whose size does not grow with the history", async () => {
    const first = (await getUserPartitions("long", "active", { limit: 10 }))!;
    expect(first.partitions.map((p) => p.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(first.page).toEqual({ total: 41, fromSeq: 0, limit: 10, returned: 10, nextFromSeq: 10 });
    const last = (await getUserPartitions("long", "active", { fromSeq: 38, limit: 10 }))!;
    expect(last.partitions.map((p) => p.seq)).toEqual([38, 39, 40]);
    expect(last.page.nextFromSeq).toBeNull();

    expect(first.overview.length).toBeLessThanOrEqual(OVERVIEW_BINS);
    expect(first.overview.reduce((n, b) => n + b.partitions, 0)).toBe(41);
    expect(first.overview.reduce((n, b) => n + b.events, 0)).toBe(41 * 50);
    expect(first.overview[0]!.startTs).toBe(new Date(Date.UTC(2016, 0, 1)).toISOString());
  });

  it("GET partitions by time window: only those overlapping [from, to]", async () => {
    // Partition k spans days 50k .. 50k+49 after the start.
    const day = (d: number) => new Date(Date.UTC(2016, 0, 1) + d * DAY).toISOString();
    const r = (await getUserPartitions("long", "active", { from: day(120), to: day(260) }))!;
    expect(r.partitions.map((p) => p.seq)).toEqual([2, 3, 4, 5]);
  });

  it("GET summaries: one page of the cascade, the position over the whole life", async () => {
    const page = await getUserSummaries("long", { fromSeq: 20, limit: 5 });
    expect(page.summaries.map((s) => s.seq)).toEqual([20, 21, 22, 23, 24]);
    expect(page.page).toEqual({ total: 41, fromSeq: 20, limit: 5, returned: 5, nextFromSeq: 25 });
    expect(page.summaries.every((s) => s.status === "missing")).toBe(true);
  });
});
