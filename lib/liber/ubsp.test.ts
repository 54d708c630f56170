import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  advance,
  compareEvents,
  contentHashOfIds,
  diffPartitions,
  estimateSummarisationWork,
  histogramJson,
  initialState,
  jensenShannonDivergence,
  openCacheSummary,
  partitionConfigSchema,
  replay,
  userPartitionStateSchema,
  type BehaviorEvent,
  type EventKey,
  type Partition,
  type PartitionConfig,
  type SealReason,
  type UserPartitionState,
} from "./ubsp";

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

function ev(id: number, ts: number, categories: string[] = ["a"], weight?: number): BehaviorEvent {
  return weight === undefined
    ? { id, ts, itemId: 1000 + id, categories }
    : { id, ts, itemId: 1000 + id, categories, weight };
}

/** Events with ids 1..n at the given timestamps. */
function evs(tss: number[], categories: string[] = ["a"]): BehaviorEvent[] {
  return tss.map((ts, i) => ev(i + 1, ts, categories));
}

const jsonRoundTrip = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** Feeds batches one call each, persisting the state as JSON in between (as the DB will). */
function advanceInBatches(config: PartitionConfig, batches: BehaviorEvent[][]) {
  let state = initialState();
  const sealed: Partition[] = [];
  for (const batch of batches) {
    const r = advance(config, jsonRoundTrip(state), batch);
    sealed.push(...r.sealed);
    state = r.state;
  }
  return { state: jsonRoundTrip(state), sealed };
}

function splitAt<T>(xs: T[], cuts: number[]): T[][] {
  const points = [...new Set(cuts.map((c) => c % (xs.length + 1)))].sort((a, b) => a - b);
  const out: T[][] = [];
  let prev = 0;
  for (const p of points) {
    out.push(xs.slice(prev, p));
    prev = p;
  }
  out.push(xs.slice(prev));
  return out;
}

const keyLE = (a: EventKey, b: EventKey) => compareEvents(a, b) <= 0;

/**
 * Obviously-correct reference partitioner: keeps the open cache as an explicit event list and
 * recomputes everything from it. The streaming implementation must match it exactly.
 */
function naivePartition(config: PartitionConfig, batches: BehaviorEvent[][]) {
  const maxCount = config.maxCount ?? Infinity;
  const minCount = config.minCount ?? 1;
  const maxGap = config.maxGapMs ?? Infinity;
  const maxSpan = config.maxSpanMs ?? Infinity;
  const drift = config.drift;
  let cache: { e: BehaviorEvent; late: boolean }[] = [];
  let prevHist: Record<string, number> | null = null;
  let sealedMax: EventKey | null = null;
  const sealed: Partition[] = [];
  const histOf = (list: { e: BehaviorEvent }[]) => {
    const m = new Map<string, number>();
    for (const { e } of list) for (const c of e.categories) m.set(c, (m.get(c) ?? 0) + (e.weight ?? 1));
    return Object.fromEntries(m) as Record<string, number>;
  };
  const bounds = () => {
    const sorted = cache.map((c) => c.e).sort(compareEvents);
    return { first: sorted[0]!, last: sorted[sorted.length - 1]! };
  };
  const seal = (reason: SealReason, triggerTs: number) => {
    const { first, last } = bounds();
    const hist = histOf(cache);
    sealed.push({
      seq: sealed.length,
      firstBehaviorId: first.id,
      lastBehaviorId: last.id,
      startTs: first.ts,
      endTs: last.ts,
      count: cache.length,
      categoryHistogram: hist,
      sealReason: reason,
      contentHash: contentHashOfIds(cache.map((c) => c.e.id)),
      lateCount: cache.filter((c) => c.late).length,
      sealedAtTs: Math.max(last.ts, triggerTs),
    });
    if (sealedMax === null || !keyLE(last, sealedMax)) sealedMax = { ts: last.ts, id: last.id };
    prevHist = hist;
    cache = [];
  };
  for (const batch of batches) {
    for (const e of [...batch].sort(compareEvents)) {
      if (cache.length >= minCount) {
        const { first, last } = bounds();
        if (e.ts - last.ts > maxGap) seal("gap", e.ts);
        else if (Math.max(last.ts, e.ts) - Math.min(first.ts, e.ts) > maxSpan) seal("span", e.ts);
      }
      cache.push({ e, late: sealedMax !== null && keyLE(e, sealedMax) });
      if (cache.length >= maxCount) seal("count", e.ts);
      else if (
        drift &&
        prevHist &&
        cache.length >= Math.max(drift.minSize, minCount) &&
        jensenShannonDivergence(histOf(cache), prevHist) > drift.threshold
      ) {
        seal("drift", e.ts);
      }
    }
  }
  return {
    sealed,
    open: { count: cache.length, histogram: histOf(cache), lateCount: cache.filter((c) => c.late).length },
  };
}

// Generators -----------------------------------------------------------------------------

// Includes keys that are dangerous on plain objects or reorder in them.
const CATEGORY = fc.constantFrom("a", "b", "c", "d", "__proto__", "toString", "1", "10");

const eventFields = fc.record({
  categories: fc.uniqueArray(CATEGORY, { maxLength: 3 }),
  weight: fc.option(fc.constantFrom(0, 0.1, 0.5, 1, 2, 3.25), { nil: undefined }),
});

/** A user's log sorted by (ts, id): ties in ts, gaps, and ids beyond 2^32. */
const sortedStream = fc
  .array(fc.tuple(fc.constantFrom(0, 0, 1, 3, 7, 30, 250), eventFields), { maxLength: 80 })
  .chain((rows) =>
    fc
      .uniqueArray(fc.oneof(fc.integer({ min: 1, max: 1_000_000 }), fc.maxSafeNat()), {
        minLength: rows.length,
        maxLength: rows.length,
      })
      .map((ids) => {
        let ts = 1_700_000_000_000;
        const events = rows.map(([dt, f], i): BehaviorEvent => {
          ts += dt;
          const e: BehaviorEvent = { id: ids[i]!, ts, itemId: i, categories: f.categories };
          if (f.weight !== undefined) e.weight = f.weight;
          return e;
        });
        return events.sort(compareEvents);
      }),
  );

const configArb: fc.Arbitrary<PartitionConfig> = fc
  .record(
    {
      maxCount: fc.integer({ min: 1, max: 8 }),
      minCount: fc.integer({ min: 1, max: 4 }),
      maxGapMs: fc.constantFrom(0, 3, 20, 100),
      maxSpanMs: fc.constantFrom(0, 10, 200),
      // Thresholds chosen so that an exact tie with a computed JSD is implausible.
      drift: fc.record({
        threshold: fc.constantFrom(0.0512345, 0.2345678, 0.5432109),
        minSize: fc.integer({ min: 1, max: 4 }),
      }),
    },
    { requiredKeys: [] },
  )
  .filter((c) => partitionConfigSchema.safeParse(c).success);

/** Arrival batches: a sorted log with some events moved into later batches (late events). */
const arrivalBatches = fc
  .tuple(sortedStream, fc.array(fc.nat(), { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 20 }))
  .map(([events, cuts, delays]) => {
    const batches = splitAt(events, cuts);
    // Move some events to a later batch: they arrive after newer events were processed.
    for (const d of delays) {
      const from = d % batches.length;
      const to = (d >> 3) % batches.length;
      const src = batches[from]!;
      if (to > from && src.length > 0) batches[to]!.push(src.splice(d % src.length, 1)[0]!);
    }
    return batches;
  });

// ---------------------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------------------

describe("partitionConfigSchema", () => {
  it("accepts every single rule and combinations", () => {
    for (const c of [
      { maxCount: 50 },
      { maxGapMs: 3_600_000 },
      { maxSpanMs: 86_400_000 },
      { drift: { threshold: 0.3, minSize: 10 } },
      { maxCount: 50, minCount: 5, maxGapMs: 1000, maxSpanMs: 5000, drift: { threshold: 0, minSize: 5 } },
    ]) {
      expect(partitionConfigSchema.safeParse(c).success).toBe(true);
    }
  });

  it("rejects configs without a sealing rule, contradictions, typos and bad values", () => {
    for (const c of [
      {},
      { minCount: 3 },
      { maxCount: 5, minCount: 6, maxGapMs: 10 },
      { maxCount: 5, minCount: 5, maxSpanMs: 10 },
      { maxCount: 5, drift: { threshold: 0.2, minSize: 5 } },
      { maxCount: 0 },
      { maxCount: 2.5 },
      { maxGapMs: -1 },
      { maxGapMs: Infinity },
      { drift: { threshold: 1, minSize: 1 } },
      { drift: { threshold: 0.2, minSize: 0 } },
      { maxGap: 1000 },
      { maxCount: 5, drift: { threshold: 0.2, minSize: 2, extra: 1 } },
    ]) {
      expect(partitionConfigSchema.safeParse(c).success, JSON.stringify(c)).toBe(false);
    }
  });

  it("advance refuses an invalid config", () => {
    expect(() => advance({} as PartitionConfig, initialState(), [])).toThrow(/sealing rule/);
  });
});

// ---------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------

describe("count rule", () => {
  it("seals as soon as the cache holds K events", () => {
    const events = evs([10, 20, 30, 40, 50, 60, 70]);
    const { sealed, state } = replay({ maxCount: 3 }, events);
    expect(sealed).toEqual([
      {
        seq: 0,
        firstBehaviorId: 1,
        lastBehaviorId: 3,
        startTs: 10,
        endTs: 30,
        count: 3,
        categoryHistogram: { a: 3 },
        sealReason: "count",
        contentHash: contentHashOfIds([1, 2, 3]),
        lateCount: 0,
        sealedAtTs: 30,
      },
      {
        seq: 1,
        firstBehaviorId: 4,
        lastBehaviorId: 6,
        startTs: 40,
        endTs: 60,
        count: 3,
        categoryHistogram: { a: 3 },
        sealReason: "count",
        contentHash: contentHashOfIds([4, 5, 6]),
        lateCount: 0,
        sealedAtTs: 60,
      },
    ]);
    expect(openCacheSummary(state)).toEqual({
      count: 1,
      startTs: 70,
      endTs: 70,
      firstBehaviorId: 7,
      lastBehaviorId: 7,
      histogram: { a: 1 },
      lateCount: 0,
      nextSeq: 2,
    });
  });

  it("K = 1 seals every event", () => {
    expect(replay({ maxCount: 1 }, evs([1, 2, 3])).sealed.map((p) => p.lastBehaviorId)).toEqual([1, 2, 3]);
  });

  it("weights and categories make a weighted histogram", () => {
    const { sealed } = replay({ maxCount: 3 }, [ev(1, 1, ["rock", "pop"], 2), ev(2, 2, ["rock"]), ev(3, 3, [], 5)]);
    expect(sealed[0]!.categoryHistogram).toEqual({ rock: 3, pop: 2 });
    // Prototype-less on purpose (see dictionaryRecord): any category name is an own key.
    expect(Object.getPrototypeOf(sealed[0]!.categoryHistogram)).toBe(null);
    const odd = replay({ maxCount: 1 }, [ev(1, 1, ["__proto__", "toString"])]).sealed[0]!;
    expect(Object.keys(odd.categoryHistogram)).toEqual(["__proto__", "toString"]);
    expect(JSON.parse(JSON.stringify(odd.categoryHistogram))).toEqual(odd.categoryHistogram);
  });

  it("a sealed partition's histogram, filled on first use, behaves like the record", () => {
    const events = [ev(1, 1, ["rock", "pop"], 2), ev(2, 2, ["rock"])];
    const [a] = replay({ maxCount: 2 }, events).sealed;
    const [b] = replay({ maxCount: 2 }, events).sealed;
    const [c] = replay({ maxCount: 2 }, events).sealed;
    const h = a!.categoryHistogram;
    expect(h.rock).toBe(3); // a read first
    expect("pop" in b!.categoryHistogram).toBe(true); // a membership test first
    expect({ ...c!.categoryHistogram }).toEqual({ rock: 3, pop: 2 }); // a spread first
    expect(Object.entries(h)).toEqual([
      ["rock", 3],
      ["pop", 2],
    ]); // first-touch order
    expect(JSON.stringify(b)).toContain('"categoryHistogram":{"rock":3,"pop":2}');
    expect(Object.hasOwn(h, "jazz")).toBe(false);
    expect(h.toString).toBeUndefined();
    h.jazz = 1;
    delete h.pop;
    expect(h).toEqual({ rock: 3, jazz: 1 });
    expect(a).toEqual({ ...a, categoryHistogram: { rock: 3, jazz: 1 } });
  });

  it("histogramJson writes the same entries as JSON.stringify, before and after the record is filled", () => {
    const events = [ev(1, 1, ["rock", "pop", "12", 'a "q"'], 2.5), ev(2, 2, ["rock", "__proto__"]), ev(3, 3, [])];
    const fresh = () => replay({ maxCount: 3 }, events).sealed[0]!.categoryHistogram;
    const unread = fresh();
    const json = histogramJson(unread);
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(fresh())));
    expect(JSON.parse(json)).toEqual(JSON.parse('{"rock":3.5,"pop":2.5,"12":2.5,"a \\"q\\"":2.5,"__proto__":1}'));
    const read = fresh();
    read.rock = 7; // filled and changed: the record is what counts
    expect(JSON.parse(histogramJson(read))).toEqual(JSON.parse(JSON.stringify(read)));
    expect(histogramJson({ a: 1, b: 0 })).toBe('{"a":1,"b":0}');
    expect(histogramJson(replay({ maxCount: 1 }, [ev(1, 1, [])]).sealed[0]!.categoryHistogram)).toBe("{}");
  });
});

describe("gap rule", () => {
  it("seals before an event that comes more than maxGapMs after the cache's last event", () => {
    // 150 - 50 = 100 is not > 100; 251 - 150 = 101 is.
    const { sealed, state } = replay({ maxGapMs: 100 }, evs([0, 50, 150, 251, 260]));
    expect(sealed).toHaveLength(1);
    expect(sealed[0]).toMatchObject({
      firstBehaviorId: 1,
      lastBehaviorId: 3,
      count: 3,
      sealReason: "gap",
      endTs: 150,
      sealedAtTs: 251,
    });
    expect(state.cache).toMatchObject({ count: 2, first: { ts: 251, id: 4 }, last: { ts: 260, id: 5 } });
  });

  it("minCount holds back gap seals while the cache is small", () => {
    const { sealed } = replay({ maxGapMs: 100, minCount: 3 }, evs([0, 500, 1000, 1050, 2000]));
    expect(sealed).toHaveLength(1);
    expect(sealed[0]).toMatchObject({ count: 4, sealReason: "gap", startTs: 0, endTs: 1050 });
  });

  it("combines with the count rule; each partition records why it was sealed", () => {
    const { sealed } = replay({ maxCount: 3, maxGapMs: 10 }, evs([0, 1, 2, 3, 50, 51]));
    expect(sealed.map((p) => [p.sealReason, p.count])).toEqual([
      ["count", 3],
      ["gap", 1],
    ]);
  });
});

describe("span rule", () => {
  it("seals before an event that would make the cache span more than maxSpanMs", () => {
    const { sealed, state } = replay({ maxSpanMs: 100 }, evs([0, 40, 100, 101, 150]));
    expect(sealed).toHaveLength(1);
    expect(sealed[0]).toMatchObject({ count: 3, sealReason: "span", startTs: 0, endTs: 100, sealedAtTs: 101 });
    expect(state.cache.count).toBe(2);
  });

  it("gap wins over span when both hold", () => {
    const { sealed } = replay({ maxSpanMs: 100, maxGapMs: 50 }, evs([0, 40, 200]));
    expect(sealed[0]!.sealReason).toBe("gap");
  });
});

describe("drift rule", () => {
  const action = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => ev(from + i, (from + i) * 1000, ["Action", "Thriller"]));
  const romance = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => ev(from + i, (from + i) * 1000, ["Romance"]));

  it("seals once a clear interest change shows in the cache", () => {
    const config = { maxCount: 10, drift: { threshold: 0.5, minSize: 3 } };
    const events = [...action(1, 20), ...romance(21, 10)];
    const { sealed, state } = replay(config, events);
    expect(sealed.map((p) => [p.sealReason, p.count])).toEqual([
      ["count", 10],
      ["count", 10],
      ["drift", 3], // the first 3 romance events: JSD with the action partition is 1
    ]);
    expect(sealed[2]!.categoryHistogram).toEqual({ Romance: 3 });
    // The romance partition is now the baseline: more romance does not drift.
    expect(state.cache.count).toBe(7);
    expect(state.previous?.histogram).toEqual([["Romance", 3]]);
  });

  it("waits for minSize and for a previous partition", () => {
    const config = { maxCount: 10, drift: { threshold: 0.5, minSize: 3 } };
    expect(replay(config, [...action(1, 10), ...romance(11, 2)]).state.cache.count).toBe(2);
    // Nothing to compare with before the first seal.
    const driftOnly = { drift: { threshold: 0.1, minSize: 1 } };
    expect(replay(driftOnly, [...action(1, 5), ...romance(6, 5)]).sealed).toEqual([]);
  });

  it("does not fire while interests are stable", () => {
    const events = Array.from({ length: 60 }, (_, i) => ev(i + 1, i, [i % 2 ? "Jazz" : "Blues"]));
    const { sealed } = replay({ maxCount: 10, drift: { threshold: 0.1, minSize: 4 } }, events);
    expect(sealed.map((p) => p.sealReason)).toEqual(Array(6).fill("count"));
  });

  it("a drift partition stays comparable after a JSON round trip of the state", () => {
    const config = { maxCount: 10, drift: { threshold: 0.5, minSize: 3 } };
    const events = [...action(1, 20), ...romance(21, 10)];
    const chunked = advanceInBatches(config, [events.slice(0, 11), events.slice(11, 22), events.slice(22)]);
    expect(chunked).toEqual(replay(config, events));
  });
});

describe("jensenShannonDivergence", () => {
  it("is 0 for the same distribution, 1 for disjoint ones, symmetric and scale-free", () => {
    expect(jensenShannonDivergence({ a: 1, b: 3 }, { a: 2, b: 6 })).toBeCloseTo(0, 12);
    expect(jensenShannonDivergence({ a: 1 }, { b: 1 })).toBe(1);
    expect(jensenShannonDivergence({ a: 1 }, { a: 1, b: 1 })).toBeCloseTo(0.311278, 5);
    expect(jensenShannonDivergence({ a: 1, b: 1 }, { a: 1 })).toBeCloseTo(0.311278, 5);
    expect(jensenShannonDivergence({}, { a: 1 })).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------
// Late and out-of-order events
// ---------------------------------------------------------------------------------------

describe("late events", () => {
  const config = { maxCount: 3 };

  it("never rewrite a sealed partition: they join the open cache and are counted", () => {
    const first = advance(config, initialState(), evs([10, 20, 30, 40, 50, 60]));
    expect(first.sealed).toHaveLength(2);
    // (A JSON copy: a sealed partition's histogram is a lazy Proxy, which structuredClone refuses.)
    const frozen = JSON.parse(JSON.stringify(first.sealed)) as typeof first.sealed;
    // id 100 at ts 25 belongs inside partition 0 by time, but partition 0 is immutable.
    const second = advance(config, first.state, [ev(100, 25)]);
    expect(second.sealed).toEqual([]);
    expect(second.state.cache).toMatchObject({ count: 1, lateCount: 1 });
    expect(first.sealed).toEqual(frozen);
    const third = advance(config, second.state, [ev(7, 70), ev(8, 80)]);
    expect(third.sealed).toEqual([
      expect.objectContaining({
        seq: 2,
        count: 3,
        lateCount: 1,
        firstBehaviorId: 100,
        startTs: 25,
        lastBehaviorId: 8,
        endTs: 80,
        contentHash: contentHashOfIds([100, 7, 8]),
      }),
    ]);
    expect(third.state.cache.lateCount).toBe(0);
  });

  it("an event equal in ts to the sealed end is late only if its id is not larger", () => {
    const s = advance(config, initialState(), evs([10, 20, 30])).state;
    expect(advance(config, s, [ev(2, 30)]).state.cache.lateCount).toBe(1);
    expect(advance(config, s, [ev(9, 30)]).state.cache.lateCount).toBe(0);
    // A re-sent copy of the last sealed event is "at" the sealed end: late, not new.
    expect(advance(config, s, [ev(3, 30)]).state.cache.lateCount).toBe(1);
  });

  it("out of order within the open cache only: joins, not late, first/last follow the keys", () => {
    const s1 = advance(config, initialState(), evs([10, 20, 30, 70, 90])).state; // cache: 70, 90
    const r = advance(config, s1, [ev(50, 80)]);
    expect(r.sealed[0]).toMatchObject({ lateCount: 0, startTs: 70, endTs: 90, firstBehaviorId: 4, lastBehaviorId: 5 });
    expect(r.sealed[0]!.contentHash).toBe(contentHashOfIds([4, 5, 50]));
  });

  it("an unsorted batch is processed in (ts, id) order and left untouched", () => {
    const batch = [ev(3, 30), ev(1, 10), ev(2, 10)];
    const copy = structuredClone(batch);
    const r = advance({ maxCount: 3 }, initialState(), batch);
    expect(batch).toEqual(copy);
    expect(r.sealed[0]!.contentHash).toBe(contentHashOfIds([1, 2, 3]));
    expect(r).toEqual(replay({ maxCount: 3 }, [ev(1, 10), ev(2, 10), ev(3, 30)]));
  });
});

// ---------------------------------------------------------------------------------------
// State, purity, validation, helpers
// ---------------------------------------------------------------------------------------

function deepFreeze<T>(x: T): T {
  if (x && typeof x === "object") {
    for (const v of Object.values(x)) deepFreeze(v);
    Object.freeze(x);
  }
  return x;
}

describe("state", () => {
  it("advance is pure: frozen state and events are accepted and unchanged", () => {
    const config = { maxCount: 4, maxGapMs: 15, drift: { threshold: 0.2, minSize: 2 } };
    const base = replay(config, evs([1, 2, 3, 4, 5, 6])).state;
    const snapshot = structuredClone(base);
    const batch = deepFreeze([ev(10, 7, ["b"]), ev(11, 30, ["c"]), ev(12, 8, ["a"])]);
    const r1 = advance(config, deepFreeze(base), batch);
    const r2 = advance(config, base, batch);
    expect(base).toEqual(snapshot);
    expect(r1).toEqual(r2);
  });

  it("stays small and O(1) in history; validates against its schema after a round trip", () => {
    const config = { maxCount: 50, maxGapMs: 3_600_000, drift: { threshold: 0.3, minSize: 10 } };
    const cats = ["rock", "pop", "jazz", "metal", "folk"];
    const events = Array.from({ length: 100_000 }, (_, i) => ev(i + 1, i * 60_000, [cats[i % 5]!]));
    const sizes = [100, 1_000, 100_000].map((n) => JSON.stringify(replay(config, events.slice(0, n)).state).length);
    for (const s of sizes) expect(s).toBeLessThan(600);
    const state = jsonRoundTrip(replay(config, events).state);
    expect(userPartitionStateSchema.parse(state)).toEqual(state);
    expect(state.nextSeq).toBe(2000);
  });

  it("rejects non-finite timestamps and negative weights", () => {
    expect(() => replay({ maxCount: 2 }, [ev(1, Number.NaN)])).toThrow(RangeError);
    expect(() => replay({ maxCount: 2 }, [ev(1, 1, ["a"], -1)])).toThrow(/weight/);
  });

  it("initialState is a valid, empty state", () => {
    expect(userPartitionStateSchema.parse(initialState())).toEqual(initialState());
    expect(openCacheSummary(initialState())).toMatchObject({ count: 0, startTs: null, histogram: {} });
  });
});

describe("contentHash", () => {
  it("depends on the ids, their order and their count, including ids beyond 2^32", () => {
    const h = contentHashOfIds([1, 2, 3]);
    expect(h).toMatch(/^[0-9a-f]{16}$/);
    expect(contentHashOfIds([1, 2, 3])).toBe(h);
    for (const other of [[1, 3, 2], [1, 2], [1, 2, 3, 4], [1, 2, 3 + 2 ** 32], []]) {
      expect(contentHashOfIds(other)).not.toBe(h);
    }
    expect(contentHashOfIds([2 ** 40])).not.toBe(contentHashOfIds([0]));
  });
});

describe("diffPartitions and estimateSummarisationWork", () => {
  it("counts partitions that a new config would have to summarise", () => {
    const events = evs([0, 1, 2, 3, 4, 100, 101, 102, 103, 104, 105, 106]);
    const a = replay({ maxCount: 3 }, events).sealed; // [0-2] [3,4,100] [101-103] [104-106]
    const b = replay({ maxCount: 3, maxGapMs: 50 }, events).sealed; // [0-2] [3,4] [100-102] [103-105]
    expect(b.map((p) => p.sealReason)).toEqual(["count", "gap", "count", "count"]);
    // Only the partition before the first gap is unchanged: its summary can be reused.
    expect(diffPartitions(a, b)).toEqual({ shared: 1, onlyInB: 3, onlyInA: 3 });
    expect(diffPartitions(a, a)).toEqual({ shared: 4, onlyInB: 0, onlyInA: 0 });
    expect(diffPartitions([], a)).toEqual({ shared: 0, onlyInB: 4, onlyInA: 0 });
  });

  it("estimates calls, tokens and cost", () => {
    const work = estimateSummarisationWork([{ count: 50 }, { count: 50 }, { count: 20 }], {
      promptTokensPerEvent: 30,
      basePromptTokens: 400,
      outputTokens: 200,
      pricePerMTokIn: 0.5,
      pricePerMTokOut: 1.5,
    });
    expect(work).toEqual({ calls: 3, promptTokens: 4800, completionTokens: 600, cost: expect.closeTo(0.0033, 12) });
    expect(() =>
      estimateSummarisationWork([], {
        promptTokensPerEvent: -1,
        basePromptTokens: 0,
        outputTokens: 0,
        pricePerMTokIn: 0,
        pricePerMTokOut: 0,
      }),
    ).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

describe("properties", () => {
  it("any chunking into batches (state JSON round-tripped) equals a one-shot replay", () => {
    fc.assert(
      fc.property(configArb, sortedStream, fc.array(fc.nat(), { maxLength: 10 }), (config, events, cuts) => {
        const oneShot = replay(config, events);
        const chunked = advanceInBatches(config, splitAt(events, cuts));
        expect(chunked.sealed).toEqual(oneShot.sealed);
        expect(chunked.state).toEqual(jsonRoundTrip(oneShot.state));
        // And the round trip itself loses nothing.
        expect(jsonRoundTrip(oneShot.state)).toEqual(oneShot.state);
      }),
      { numRuns: 300 },
    );
  });

  it("with late events too: splitting arrival batches further changes nothing", () => {
    fc.assert(
      fc.property(configArb, arrivalBatches, fc.array(fc.nat(), { maxLength: 10 }), (config, batches, cuts) => {
        const whole = advanceInBatches(config, batches);
        const finer = batches.flatMap((b) => splitAt([...b].sort(compareEvents), cuts));
        expect(advanceInBatches(config, finer)).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });

  it("matches the naive reference partitioner (all rules, late events, histograms, hashes)", () => {
    fc.assert(
      fc.property(configArb, arrivalBatches, (config, batches) => {
        const streaming = advanceInBatches(config, batches);
        const naive = naivePartition(config, batches);
        expect(streaming.sealed).toEqual(naive.sealed);
        const open = openCacheSummary(streaming.state);
        expect({ count: open.count, histogram: open.histogram, lateCount: open.lateCount }).toEqual(naive.open);
      }),
      { numRuns: 400 },
    );
  });

  it("on an in-order log partitions cover the events in order, without overlap, count <= K", () => {
    fc.assert(
      fc.property(configArb, sortedStream, (config, events) => {
        const { sealed, state } = replay(config, events);
        let i = 0;
        sealed.forEach((p, seq) => {
          const segment = events.slice(i, i + p.count);
          expect(p.seq).toBe(seq);
          expect(p.count).toBeGreaterThan(0);
          expect(segment).toHaveLength(p.count);
          expect(p.firstBehaviorId).toBe(segment[0]!.id);
          expect(p.lastBehaviorId).toBe(segment[segment.length - 1]!.id);
          expect(p.startTs).toBe(segment[0]!.ts);
          expect(p.endTs).toBe(segment[segment.length - 1]!.ts);
          expect(p.contentHash).toBe(contentHashOfIds(segment.map((e) => e.id)));
          expect(p.lateCount).toBe(0);
          if (config.maxCount !== undefined) expect(p.count).toBeLessThanOrEqual(config.maxCount);
          const next = events[i + p.count];
          const minCount = config.minCount ?? 1;
          if (p.sealReason === "gap") expect(next!.ts - p.endTs).toBeGreaterThan(config.maxGapMs!);
          if (p.sealReason === "span") expect(next!.ts - p.startTs).toBeGreaterThan(config.maxSpanMs!);
          if (p.sealReason === "count") expect(p.count).toBe(config.maxCount);
          if (p.sealReason === "drift") {
            expect(p.count).toBeGreaterThanOrEqual(Math.max(config.drift!.minSize, minCount));
            const prev = sealed[seq - 1]!.categoryHistogram;
            expect(jensenShannonDivergence(p.categoryHistogram, prev)).toBeGreaterThan(config.drift!.threshold);
          }
          // Inside a partition, a gap/span breach is only possible while minCount held it back.
          for (let j = 1; j < segment.length; j++) {
            if (config.maxGapMs !== undefined && segment[j]!.ts - segment[j - 1]!.ts > config.maxGapMs) {
              expect(j).toBeLessThan(minCount);
            }
            if (config.maxSpanMs !== undefined && segment[j]!.ts - segment[0]!.ts > config.maxSpanMs) {
              expect(j).toBeLessThan(minCount);
            }
          }
          i += p.count;
        });
        expect(i + state.cache.count).toBe(events.length);
        if (state.cache.count > 0) {
          expect(state.cache.first).toEqual({ ts: events[i]!.ts, id: events[i]!.id });
          expect(state.cache.last).toEqual({ ts: events[events.length - 1]!.ts, id: events[events.length - 1]!.id });
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe("assignments", () => {
  it("tell which cache each event joined, for sorted and unsorted batches, with late events", () => {
    fc.assert(
      fc.property(configArb, arrivalBatches, fc.boolean(), (config, batches, shuffle) => {
        let state = initialState();
        const members = new Map<number, number[]>(); // seq -> ids in arrival (processing) order
        const sealed: Partition[] = [];
        for (const arrived of batches) {
          // Unsorted input must come back in input order, so reverse half of the batches.
          const batch = shuffle ? [...arrived].reverse() : arrived;
          const r = advance(config, jsonRoundTrip(state), batch, { assignments: true });
          expect(r.assignments).toHaveLength(batch.length);
          const processed = [...batch.keys()].sort((x, y) => compareEvents(batch[x]!, batch[y]!));
          for (const i of processed) {
            const seq = r.assignments![i]!;
            members.set(seq, [...(members.get(seq) ?? []), batch[i]!.id]);
          }
          // Without the option nothing changes.
          expect(advance(config, jsonRoundTrip(state), batch)).toEqual({ state: r.state, sealed: r.sealed });
          sealed.push(...r.sealed);
          state = r.state;
        }
        for (const p of sealed) {
          expect(members.get(p.seq)).toHaveLength(p.count);
          expect(contentHashOfIds(members.get(p.seq)!)).toBe(p.contentHash);
        }
        expect(members.get(state.nextSeq)?.length ?? 0).toBe(state.cache.count);
        expect([...members.keys()].every((seq) => seq <= state.nextSeq)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe("histograms: false", () => {
  it("gives the same partitions and state, with empty histograms", () => {
    fc.assert(
      fc.property(configArb, arrivalBatches, (config, batches) => {
        let full = initialState();
        let lite = initialState();
        for (const batch of batches) {
          const a = advance(config, full, batch);
          const b = advance(config, lite, batch, { histograms: false });
          expect(b.state).toEqual(a.state);
          expect(b.sealed).toEqual(a.sealed.map((p) => ({ ...p, categoryHistogram: {} })));
          full = a.state;
          lite = b.state;
        }
      }),
      { numRuns: 200 },
    );
  });
});

// Type-level check that the exported state type is what the schema produces.
const _stateTypeCheck: UserPartitionState = userPartitionStateSchema.parse(initialState());
void _stateTypeCheck;
