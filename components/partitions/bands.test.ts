import { describe, expect, it } from "vitest";
import type { PartitionView } from "@/lib/partitions/api-client";
import { bandLabel, bandsFromUserPartitions, dominantCounts } from "./bands";
import { shareChartData } from "./category-share-chart";

const stored = (
  seq: number,
  startTs: string,
  endTs: string,
  histogram: Record<string, number>,
  count = 50,
): PartitionView => ({
  seq,
  firstBehaviorId: seq * 100,
  lastBehaviorId: seq * 100 + count - 1,
  startTs,
  endTs,
  sealedAtTs: endTs,
  count,
  categoryHistogram: histogram,
  topCategories: [],
  sealReason: "count",
  contentHash: `hash${seq}`,
  lateCount: 0,
});

describe("bandsFromUserPartitions", () => {
  it("turns stored partitions into bands and puts the open cache last, numbered as the next seq", () => {
    const bands = bandsFromUserPartitions({
      partitions: [
        stored(0, "2001-03-04T10:00:00.000Z", "2001-05-06T12:00:00.000Z", { Drama: 40, Comedy: 60 }),
        stored(1, "2001-06-01T00:00:00.000Z", "2001-06-02T00:00:00.000Z", { Drama: 3 }),
      ],
      openCache: {
        seq: 2,
        count: 7,
        startTs: "2001-07-01T00:00:00.000Z",
        endTs: "2001-07-03T00:00:00.000Z",
        categoryHistogram: { War: 7 },
        lateCount: 2,
      },
    });
    expect(bands.map((b) => [b.seq, b.open, b.dominant])).toEqual([
      [0, false, "Comedy"],
      [1, false, "Drama"],
      [2, true, "War"],
    ]);
    expect(bands[0]!.start).toBe(Date.UTC(2001, 2, 4, 10));
    expect(bands[2]!.sealedAt).toBeNull();
    expect(bands[2]!.lateCount).toBe(2);
  });

  it("leaves out an empty open cache", () => {
    const bands = bandsFromUserPartitions({
      partitions: [],
      openCache: { seq: 9, count: 0, startTs: null, endTs: null, categoryHistogram: {}, lateCount: 0 },
    });
    expect(bands).toEqual([]);
  });

  it("falls back to the API's top categories when a partition has no histogram", () => {
    const p = {
      ...stored(0, "2001-01-01T00:00:00.000Z", "2001-01-02T00:00:00.000Z", {}),
      topCategories: [{ category: "Jazz", share: 1 }],
    };
    expect(bandsFromUserPartitions({ partitions: [p], openCache: null })[0]!.dominant).toBe("Jazz");
  });
});

describe("bandLabel", () => {
  it("names a band by number (from 1), size, dates and dominant share, as the e2e tests find it", () => {
    const [band] = bandsFromUserPartitions({
      partitions: [
        stored(2, "2001-03-04T10:00:00.000Z", "2001-05-06T12:00:00.000Z", { Drama: 40, Comedy: 30, War: 30 }),
      ],
      openCache: null,
    });
    expect(bandLabel(band!)).toBe("Partition 3: 50 events, 2001-03-04 – 2001-05-06, Drama 40%");
  });

  it("says when the band is the open cache, and shows one date for a single day", () => {
    const [band] = bandsFromUserPartitions({
      partitions: [],
      openCache: {
        seq: 9,
        count: 1,
        startTs: "2001-07-01T08:00:00.000Z",
        endTs: "2001-07-01T09:00:00.000Z",
        categoryHistogram: { War: 1 },
        lateCount: 0,
      },
    });
    expect(bandLabel(band!)).toBe("Open cache: 1 event, 2001-07-01, War 100%, not sealed yet");
  });
});

describe("dominantCounts", () => {
  it("counts sealed bands per dominant category, most first, the open cache not counted", () => {
    const bands = bandsFromUserPartitions({
      partitions: [
        stored(0, "2001-01-01T00:00:00.000Z", "2001-01-02T00:00:00.000Z", { Drama: 2, War: 1 }),
        stored(1, "2001-01-03T00:00:00.000Z", "2001-01-04T00:00:00.000Z", { War: 1 }),
        stored(2, "2001-01-05T00:00:00.000Z", "2001-01-06T00:00:00.000Z", { Drama: 1 }),
      ],
      openCache: {
        seq: 9,
        count: 3,
        startTs: "2001-02-01T00:00:00.000Z",
        endTs: "2001-02-02T00:00:00.000Z",
        categoryHistogram: { War: 3 },
        lateCount: 0,
      },
    });
    expect(dominantCounts(bands)).toEqual([
      { category: "Drama", count: 2 },
      { category: "War", count: 1 },
    ]);
  });
});

describe("shareChartData", () => {
  it("makes one recharts row per partition, numbered from 1, with a positional field per series", () => {
    const bands = bandsFromUserPartitions({
      partitions: [
        stored(0, "2001-01-01T00:00:00.000Z", "2001-01-02T00:00:00.000Z", { "Sci.Fi": 3, War: 1 }),
        stored(1, "2001-01-03T00:00:00.000Z", "2001-01-04T00:00:00.000Z", { War: 1 }),
      ],
      openCache: null,
    });
    const data = shareChartData(bands);
    expect(data.categories).toEqual(["War", "Sci.Fi"]);
    expect(data.rows).toEqual([
      { partition: 1, s0: 0.25, s1: 0.75 },
      { partition: 2, s0: 1, s1: 0 },
    ]);
  });
});
