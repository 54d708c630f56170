/**
 * CTR samples from a behaviour log (pure: the database loader in lib/ctr/server feeds it).
 *
 * - Samples: every behaviour of a kind named in the label rule; its label from the rule
 *   (ratings: value >= 4 is a click by default). Other kinds only enter histories.
 * - Split: global time cutoffs at the 80% / 90% quantiles of the sample times (configurable):
 *   train ts < c1 <= valid ts < c2 <= test ts. Every user keeps their samples in all splits
 *   (a chronological, not a per-user, split, as FuxiCTR / KAR do).
 * - Per sample at time t: the last L items of the user's behaviours strictly before t (any
 *   kind), their categories, how many behaviours came before t (for slices), and the latest
 *   P partitions sealed strictly before t (sealed_at < t), with their age in days.
 * - Vocabularies (users, items, categories) come from behaviours before c1 only; anything
 *   first seen later maps to OOV. The models use no other fitted statistic: partition vectors
 *   enter as stored (the encoder's own fit, e.g. UIF's IDF, must end before c1: the loader
 *   checks that), ages enter as log(1 + days).
 */
import { mulberry32 } from "../liber/random";
import { emptyBatch, OOV, type CtrDataset, type CtrShape, type SampleBatch } from "./schema";

export interface LogEvent {
  userId: number;
  itemId: number;
  /** epoch ms */
  ts: number;
  kind: string;
  value: number | null;
}

export interface PartitionVectorRef {
  userId: number;
  partitionId: number;
  /** epoch ms of sealed_at_ts */
  sealedAt: number;
  vector: Float32Array;
}

export interface LabelRule {
  /** kind -> click when value >= minValue (no minValue: every behaviour of the kind is a click) */
  kinds: Record<string, { minValue?: number }>;
}

export const DEFAULT_LABEL_RULE: LabelRule = { kinds: { rate: { minValue: 4 } } };

/** "rate>=4,click" -> { rate: {minValue: 4}, click: {} } */
export function parseLabelRule(text: string): LabelRule {
  const kinds: LabelRule["kinds"] = {};
  for (const part of text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z0-9_.-]+)\s*(?:>=\s*(-?\d+(?:\.\d+)?))?$/.exec(part);
    if (!m) throw new Error(`bad label rule "${part}": use kind or kind>=value, comma-separated`);
    kinds[m[1]!] = m[2] !== undefined ? { minValue: Number(m[2]) } : {};
  }
  if (Object.keys(kinds).length === 0) throw new Error("empty label rule");
  return { kinds };
}

export interface SampleOptions {
  shape?: Partial<CtrShape>;
  labelRule?: LabelRule;
  /** cumulative quantiles of sample time for the train and validation cutoffs */
  splits?: [number, number];
}

export const DEFAULT_SHAPE: CtrShape = { historyLength: 20, categoriesPerItem: 3, maxPartitions: 32 };

const DAY_MS = 86_400_000;

/**
 * Build the dataset. `events` must be sorted by (userId, ts, then id); `partitions` by
 * (userId, sealedAt). `itemCategories` maps an item id to its category names.
 */
export function buildSamples(
  events: readonly LogEvent[],
  itemCategories: ReadonlyMap<number, readonly string[]>,
  partitions: readonly PartitionVectorRef[],
  options: SampleOptions = {},
): CtrDataset {
  const shape: CtrShape = { ...DEFAULT_SHAPE, ...options.shape };
  const rule = options.labelRule ?? DEFAULT_LABEL_RULE;
  const [q1, q2] = options.splits ?? [0.8, 0.9];
  const { historyLength: L, categoriesPerItem: C, maxPartitions: P } = shape;

  for (let i = 1; i < events.length; i++) {
    const a = events[i - 1]!;
    const b = events[i]!;
    if (b.userId < a.userId || (b.userId === a.userId && b.ts < a.ts))
      throw new Error("events must be sorted by (user, ts)");
  }

  // 1. cutoffs from the sample times
  const isSample = (e: LogEvent) => Object.prototype.hasOwnProperty.call(rule.kinds, e.kind);
  const { times, validFrom: c1, testFrom: c2 } = sampleCutoffs(events, rule, [q1, q2]);

  // 2. vocabularies from behaviours before c1 only
  const users = new Map<number, number>();
  const items = new Map<number, number>();
  const categories = new Map<string, number>();
  for (const e of events) {
    if (e.ts >= c1) continue;
    if (!users.has(e.userId)) users.set(e.userId, users.size + 2);
    if (!items.has(e.itemId)) {
      items.set(e.itemId, items.size + 2);
      for (const c of itemCategories.get(e.itemId) ?? [])
        if (!categories.has(c)) categories.set(c, categories.size + 2);
    }
  }
  const itemIndex = (id: number) => items.get(id) ?? OOV;
  const catIds = new Map<number, Int32Array>();
  const categoriesOf = (itemId: number): Int32Array => {
    let ids = catIds.get(itemId);
    if (!ids) {
      ids = new Int32Array(C);
      const names = itemCategories.get(itemId) ?? [];
      for (let k = 0; k < C && k < names.length; k++) ids[k] = categories.get(names[k]!) ?? OOV;
      catIds.set(itemId, ids);
    }
    return ids;
  };

  // 3. the partition table: one row per partition vector, row 0 = none
  const dim = partitions[0]?.vector.length ?? 1;
  const vectors = new Float32Array((partitions.length + 1) * dim);
  const partitionIds = new Int32Array(partitions.length + 1);
  partitions.forEach((p, i) => {
    if (p.vector.length !== dim)
      throw new Error(`partition ${p.partitionId}: vector of ${p.vector.length} dims, expected ${dim}`);
    vectors.set(p.vector, (i + 1) * dim);
    partitionIds[i + 1] = p.partitionId;
  });
  const partitionsByUser = new Map<number, number[]>(); // user -> table rows in sealedAt order
  partitions.forEach((p, i) => {
    let rows = partitionsByUser.get(p.userId);
    if (!rows) partitionsByUser.set(p.userId, (rows = []));
    const prev = rows.length ? partitions[rows[rows.length - 1]! - 1]! : null;
    if (prev && prev.sealedAt > p.sealedAt) throw new Error("partitions must be sorted by (user, sealedAt)");
    rows.push(i + 1);
  });

  // 4. samples, user by user
  const counts = [0, 0, 0];
  for (const t of times) counts[t < c1 ? 0 : t < c2 ? 1 : 2]!++;
  const out = counts.map((n) => emptyBatch(n, shape));
  const filled = [0, 0, 0];
  let i = 0;
  while (i < events.length) {
    const userId = events[i]!.userId;
    let end = i;
    while (end < events.length && events[end]!.userId === userId) end++;
    const userRows = partitionsByUser.get(userId) ?? [];
    let before = i; // events[i..before) have ts < current sample's ts
    let sealed = 0; // userRows[0..sealed) sealed strictly before the current sample's ts
    for (let k = i; k < end; k++) {
      const e = events[k]!;
      if (!isSample(e)) continue;
      while (before < end && events[before]!.ts < e.ts) before++;
      while (sealed < userRows.length && partitions[userRows[sealed]! - 1]!.sealedAt < e.ts) sealed++;
      const split = e.ts < c1 ? 0 : e.ts < c2 ? 1 : 2;
      const batch = out[split]!;
      const r = filled[split]!++;
      writeSample(batch, r, shape, {
        user: users.get(userId) ?? OOV,
        userKey: userId,
        item: itemIndex(e.itemId),
        itemCats: categoriesOf(e.itemId),
        label: labelOf(e, rule) ? 1 : 0,
        ts: e.ts,
        eventsBefore: before - i,
      });
      for (let h = 0; h < L && before - 1 - h >= i; h++) {
        const prev = events[before - 1 - h]!;
        batch.histItems[r * L + h] = itemIndex(prev.itemId);
        batch.histCats.set(categoriesOf(prev.itemId), (r * L + h) * C);
      }
      for (let j = 0; j < P && sealed - 1 - j >= 0; j++) {
        const row = userRows[sealed - 1 - j]!;
        batch.partRows[r * P + j] = row;
        batch.partAgeDays[r * P + j] = (e.ts - partitions[row - 1]!.sealedAt) / DAY_MS;
      }
    }
    i = end;
  }
  // Samples stay in (user, time) order within a split: training shuffles, metrics do not care.
  const [train, valid, test] = out;
  return {
    shape,
    vocab: { users: users.size + 2, items: items.size + 2, categories: categories.size + 2 },
    partitions: { size: partitions.length + 1, dim, vectors, partitionIds },
    train: train!,
    valid: valid!,
    test: test!,
    meta: {
      labelRule: rule,
      cutoffs: {
        validFrom: Number.isFinite(c1) ? new Date(c1).toISOString() : null,
        testFrom: Number.isFinite(c2) ? new Date(c2).toISOString() : null,
      },
      splits: [q1, q2],
      vocabFrom: "behaviours before the validation cutoff",
    },
  };
}

/**
 * A seeded derangement of the users that have partitions, pairing users active in the same
 * period: users sorted by their first partition's seal time, cut into blocks of `block`, each
 * block shuffled and rotated by one (a single leftover user joins the previous block). Every
 * such user gets another user's partitions (withDonorPartitions), from a donor active in the
 * same years, so era-level content (which films existed) stays comparable. Users without
 * partitions keep none.
 */
export function partitionDonors(
  partitions: readonly PartitionVectorRef[],
  seed: number,
  block = 8,
): Map<number, number> {
  const first = new Map<number, number>();
  for (const p of partitions)
    if (!first.has(p.userId) || p.sealedAt < first.get(p.userId)!) first.set(p.userId, p.sealedAt);
  const users = [...first.keys()].sort((a, b) => first.get(a)! - first.get(b)! || a - b);
  const rng = mulberry32(seed);
  const donors = new Map<number, number>();
  for (let start = 0; start < users.length; start += block) {
    let end = Math.min(users.length, start + block);
    if (users.length - end === 1) end = users.length;
    const group = users.slice(start, end);
    for (let i = group.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [group[i], group[j]] = [group[j]!, group[i]!];
    }
    if (group.length > 1) group.forEach((u, i) => donors.set(u, group[(i + 1) % group.length]!));
    if (end === users.length) break;
  }
  return donors;
}

/**
 * The control of issue 13 item 7 ("shuffling the LIBER features across users removes the
 * lift"): the same dataset where the k-th partition (in seal order) of every user u is
 * replaced by the (k mod n)-th partition of u's donor (n = the donor's partition count).
 * Samples, ids, histories, labels, order, and which slots are filled with which age stay
 * exactly as they were: only the vectors' content belongs to another user. (The donor's
 * partition may be sealed after the sample: it is another user's text, so it cannot carry this
 * user's future; if it carries anything useful it helps the control, which makes
 * LIBER-minus-control conservative.) `partitions` must be the list the dataset was built from.
 */
export function withDonorPartitions(
  dataset: CtrDataset,
  partitions: readonly PartitionVectorRef[],
  donors: ReadonlyMap<number, number>,
): CtrDataset {
  const rowsByUser = new Map<number, number[]>();
  partitions.forEach((p, i) => {
    let rows = rowsByUser.get(p.userId);
    if (!rows) rowsByUser.set(p.userId, (rows = []));
    rows.push(i + 1);
  });
  const rowMap = new Int32Array(partitions.length + 1);
  for (const [user, rows] of rowsByUser) {
    const donorRows = rowsByUser.get(donors.get(user) ?? user) ?? rows;
    rows.forEach((row, k) => (rowMap[row] = donorRows[k % donorRows.length]!));
  }
  const remap = (batch: SampleBatch): SampleBatch => ({ ...batch, partRows: batch.partRows.map((r) => rowMap[r]!) });
  return {
    ...dataset,
    train: remap(dataset.train),
    valid: remap(dataset.valid),
    test: remap(dataset.test),
    meta: {
      ...dataset.meta,
      control: "each user's partition vectors replaced by another user's (withDonorPartitions)",
    },
  };
}

/**
 * A second control: every filled partition slot points at one all-zero vector (a row appended
 * to the table), ages kept. What LIBER's branch can still read is which slots are filled and
 * their ages (the user's activity and recency), none of the summaries' content.
 */
export function withBlankPartitions(dataset: CtrDataset): CtrDataset {
  const { size, dim } = dataset.partitions;
  const vectors = new Float32Array((size + 1) * dim);
  vectors.set(dataset.partitions.vectors);
  const partitionIds = new Int32Array(size + 1);
  partitionIds.set(dataset.partitions.partitionIds);
  const blank = (batch: SampleBatch): SampleBatch => ({
    ...batch,
    partRows: batch.partRows.map((r) => (r === 0 ? 0 : size)),
  });
  return {
    ...dataset,
    partitions: { size: size + 1, dim, vectors, partitionIds },
    train: blank(dataset.train),
    valid: blank(dataset.valid),
    test: blank(dataset.test),
    meta: {
      ...dataset.meta,
      control: "every partition vector replaced by zeros, slots and ages kept (withBlankPartitions)",
    },
  };
}

/** Sorted sample times and the two cutoffs (Infinity when a quantile is >= 1). */
export function sampleCutoffs(events: readonly LogEvent[], rule: LabelRule, [q1, q2]: [number, number]) {
  const times = events
    .filter((e) => Object.prototype.hasOwnProperty.call(rule.kinds, e.kind))
    .map((e) => e.ts)
    .sort((a, b) => a - b);
  if (times.length === 0)
    throw new Error(`no behaviour of the label rule's kinds (${Object.keys(rule.kinds).join(", ")})`);
  if (!(q1 > 0 && q1 <= q2 && q2 <= 1)) throw new Error(`bad split quantiles ${q1}, ${q2}`);
  const cutoff = (q: number) => (q >= 1 ? Infinity : times[Math.floor(times.length * q)]!);
  return { times, validFrom: cutoff(q1), testFrom: cutoff(q2) };
}

function labelOf(e: LogEvent, rule: LabelRule): boolean {
  const r = rule.kinds[e.kind];
  if (!r) return false;
  if (r.minValue === undefined) return true;
  return e.value !== null && e.value >= r.minValue;
}

function writeSample(
  batch: SampleBatch,
  r: number,
  shape: CtrShape,
  s: {
    user: number;
    userKey: number;
    item: number;
    itemCats: Int32Array;
    label: number;
    ts: number;
    eventsBefore: number;
  },
): void {
  batch.user[r] = s.user;
  batch.userKey[r] = s.userKey;
  batch.item[r] = s.item;
  batch.itemCats.set(s.itemCats, r * shape.categoriesPerItem);
  batch.label[r] = s.label;
  batch.ts[r] = s.ts;
  batch.eventsBefore[r] = s.eventsBefore;
}

/** Per-split facts for a report: sizes, click rates, time ranges. */
export function describeDataset(d: CtrDataset) {
  const split = (b: SampleBatch) => {
    let clicks = 0;
    let withPartitions = 0;
    for (let i = 0; i < b.size; i++) {
      clicks += b.label[i]!;
      if (b.partRows[i * d.shape.maxPartitions] !== 0) withPartitions++;
    }
    let from = Infinity;
    let to = -Infinity;
    for (const t of b.ts) {
      from = Math.min(from, t);
      to = Math.max(to, t);
    }
    return {
      samples: b.size,
      clickRate: b.size ? clicks / b.size : NaN,
      withPartitions,
      from: b.size ? new Date(from).toISOString() : null,
      to: b.size ? new Date(to).toISOString() : null,
    };
  };
  return {
    train: split(d.train),
    valid: split(d.valid),
    test: split(d.test),
    vocab: d.vocab,
    partitions: d.partitions.size - 1,
    dim: d.partitions.dim,
  };
}
