import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildSamples,
  parseLabelRule,
  partitionDonors,
  withBlankPartitions,
  withDonorPartitions,
  type LogEvent,
  type PartitionVectorRef,
} from "./samples";
import { OOV, type CtrDataset, type SampleBatch } from "./schema";

const DAY = 86_400_000;

/** A small random log: users with events on distinct days, some partitions sealed among them. */
function randomLog(seed: number) {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const events: LogEvent[] = [];
  const partitions: PartitionVectorRef[] = [];
  const cats = new Map<number, string[]>();
  for (let item = 1; item <= 30; item++) cats.set(item, [`g${item % 4}`, `h${item % 3}`]);
  let pid = 1;
  for (let user = 1; user <= 6; user++) {
    let t = Date.UTC(2020, 0, 1) + Math.floor(rnd() * 50) * DAY;
    const n = 10 + Math.floor(rnd() * 30);
    for (let k = 0; k < n; k++) {
      t += Math.floor(1 + rnd() * 3) * DAY;
      events.push({
        userId: user,
        itemId: 1 + Math.floor(rnd() * 30),
        ts: t,
        kind: rnd() < 0.8 ? "rate" : "tag",
        value: 1 + Math.floor(rnd() * 5),
      });
      // a partition sealed exactly at some events' times (the boundary case) and between others
      if (k % 4 === 3) {
        const sealedAt = rnd() < 0.5 ? t : t + DAY / 2;
        partitions.push({ userId: user, partitionId: pid, sealedAt, vector: Float32Array.from([pid, user, 0]) });
        pid++;
      }
    }
  }
  return { events, partitions, cats };
}

function* samples(d: CtrDataset): Generator<{ batch: SampleBatch; i: number; split: string }> {
  for (const split of ["train", "valid", "test"] as const)
    for (let i = 0; i < d[split].size; i++) yield { batch: d[split], i, split };
}

describe("parseLabelRule", () => {
  it("reads kind>=value lists", () => {
    expect(parseLabelRule("rate>=4, click")).toEqual({ kinds: { rate: { minValue: 4 }, click: {} } });
    expect(() => parseLabelRule("rate>4")).toThrow(/bad label rule/);
  });
});

describe("buildSamples", () => {
  it("labels by the rule, keeps other kinds out of the samples but in the history", () => {
    const events: LogEvent[] = [
      { userId: 1, itemId: 10, ts: 1 * DAY, kind: "tag", value: null },
      { userId: 1, itemId: 11, ts: 2 * DAY, kind: "rate", value: 4 },
      { userId: 1, itemId: 12, ts: 3 * DAY, kind: "rate", value: 3.5 },
    ];
    const d = buildSamples(
      events,
      new Map([
        [10, ["A"]],
        [11, ["B", "A"]],
      ]),
      [],
      { splits: [1, 1], shape: { historyLength: 3, maxPartitions: 2 } },
    );
    expect(d.train.size).toBe(2);
    expect(Array.from(d.train.label)).toEqual([1, 0]);
    expect(Array.from(d.train.eventsBefore)).toEqual([1, 2]);
    // history of the second sample: item 11 then item 10, most recent first
    expect(Array.from(d.train.histItems.subarray(3, 6))).toEqual([3, 2, 0]);
  });

  it("never references a partition sealed at or after the sample's time, and keeps the latest P", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (seed) => {
        const { events, partitions, cats } = randomLog(seed);
        const d = buildSamples(events, cats, partitions, { shape: { historyLength: 5, maxPartitions: 3 } });
        const P = 3;
        for (const { batch, i } of samples(d)) {
          const t = batch.ts[i]!;
          const user = batch.userKey[i]!;
          const eligible = partitions.filter((p) => p.userId === user && p.sealedAt < t).map((p) => p.partitionId);
          const expected = eligible.slice(-P).reverse();
          const got: number[] = [];
          for (let j = 0; j < P; j++) {
            const row = batch.partRows[i * P + j]!;
            if (row === 0) break;
            const ref = partitions[row - 1]!;
            expect(ref.sealedAt).toBeLessThan(t);
            expect(ref.userId).toBe(user);
            expect(batch.partAgeDays[i * P + j]).toBeCloseTo((t - ref.sealedAt) / DAY, 5);
            got.push(d.partitions.partitionIds[row]!);
          }
          expect(got).toEqual(expected);
        }
      }),
      { numRuns: 30 },
    );
  });

  it("splits by global time cutoffs and builds histories from strictly earlier behaviours", () => {
    const { events, partitions, cats } = randomLog(42);
    const d = buildSamples(events, cats, partitions, { shape: { historyLength: 4, maxPartitions: 2 } });
    const max = (b: SampleBatch) => Math.max(...Array.from(b.ts));
    const min = (b: SampleBatch) => Math.min(...Array.from(b.ts));
    expect(max(d.train)).toBeLessThan(min(d.valid));
    expect(max(d.valid)).toBeLessThan(min(d.test));
    const total = d.train.size + d.valid.size + d.test.size;
    expect(d.train.size / total).toBeGreaterThan(0.7);
    for (const { batch, i } of samples(d)) {
      const user = batch.userKey[i]!;
      const earlier = events.filter((e) => e.userId === user && e.ts < batch.ts[i]!);
      expect(batch.eventsBefore[i]).toBe(earlier.length);
      const nonPad = Array.from(batch.histItems.subarray(i * 4, i * 4 + 4)).filter((x) => x !== 0);
      expect(nonPad.length).toBe(Math.min(4, earlier.length));
    }
  });

  it("lets no validation or test label reach training or the vocabularies", () => {
    const { events, partitions, cats } = randomLog(7);
    const base = buildSamples(events, cats, partitions);
    const cutoff = Date.parse(String((base.meta.cutoffs as { validFrom: string }).validFrom));
    // flip every label after the cutoff and give those behaviours unseen items
    const changed = events.map((e) =>
      e.ts >= cutoff ? { ...e, value: e.value === null ? null : 6 - e.value, itemId: e.itemId + 1000 } : e,
    );
    const other = buildSamples(changed, cats, partitions);
    expect(other.vocab).toEqual(base.vocab);
    for (const key of Object.keys(base.train) as (keyof SampleBatch)[]) {
      expect(Array.from(other.train[key] as ArrayLike<number>), key).toEqual(
        Array.from(base.train[key] as ArrayLike<number>),
      );
    }
    // the unseen items are out of vocabulary in the later splits
    for (let i = 0; i < other.test.size; i++) expect(other.test.item[i]).toBe(OOV);
  });
});

describe("the shuffled control (withDonorPartitions)", () => {
  it("gives every user another user's vectors and changes nothing else", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 1000 }), (seed, donorSeed) => {
        const { events, partitions, cats } = randomLog(seed);
        const d = buildSamples(events, cats, partitions, { shape: { maxPartitions: 3, historyLength: 4 } });
        const donors = partitionDonors(partitions, donorSeed, 4);
        const users = new Set(partitions.map((p) => p.userId));
        // a derangement of the users with partitions
        expect(new Set(donors.keys())).toEqual(users);
        for (const [u, v] of donors) {
          expect(v).not.toBe(u);
          expect(users.has(v)).toBe(true);
        }
        expect(new Set(donors.values()).size).toBe(donors.size);
        const c = withDonorPartitions(d, partitions, donors);
        const ownerOfRow = (row: number) => partitions[row - 1]!.userId;
        for (const split of ["train", "valid", "test"] as const) {
          const a = d[split];
          const b = c[split];
          expect(b.label).toEqual(a.label);
          expect(b.user).toEqual(a.user);
          expect(b.histItems).toEqual(a.histItems);
          expect(b.partAgeDays).toEqual(a.partAgeDays);
          for (let k = 0; k < a.partRows.length; k++) {
            expect(b.partRows[k] === 0).toBe(a.partRows[k] === 0);
            if (a.partRows[k] !== 0) expect(ownerOfRow(b.partRows[k]!)).toBe(donors.get(ownerOfRow(a.partRows[k]!)));
          }
        }
      }),
      { numRuns: 30 },
    );
  });
});

describe("the blank control (withBlankPartitions)", () => {
  it("keeps slots and ages, points every filled slot at one zero vector", () => {
    const { events, partitions, cats } = randomLog(3);
    const d = buildSamples(events, cats, partitions, { shape: { maxPartitions: 3, historyLength: 4 } });
    const c = withBlankPartitions(d);
    expect(c.partitions.size).toBe(d.partitions.size + 1);
    const zero = c.partitions.size - 1;
    expect(Array.from(c.partitions.vectors.subarray(zero * c.partitions.dim)).every((v) => v === 0)).toBe(true);
    for (const split of ["train", "valid", "test"] as const) {
      expect(c[split].partAgeDays).toEqual(d[split].partAgeDays);
      expect(c[split].label).toEqual(d[split].label);
      d[split].partRows.forEach((r, k) => expect(c[split].partRows[k]).toBe(r === 0 ? 0 : zero));
    }
  });
});
