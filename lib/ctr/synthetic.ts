/**
 * A small synthetic CTR dataset whose labels depend only on the LIBER partition vectors:
 * every partition of a user has one preferred item group (drawn anew for each partition,
 * so neither the user id nor the short-term history can tell it), its vector is a noisy
 * random projection of that group, and a sample clicks with probability `pHit` when the
 * target item is in the group of the user's latest partition sealed before the sample, and
 * `pMiss` otherwise. A model that ignores the partition vectors cannot beat AUC 0.5 by much;
 * one that reads them can. Used by the tests, the benchmark and the CTR Lab's demo.
 */
import { mulberry32 } from "../liber/random";
import { normal } from "./random";
import { emptyBatch, OOV, selectRows, type CtrDataset, type CtrShape, type SampleBatch } from "./schema";

export interface SyntheticOptions {
  seed: number;
  users?: number;
  samplesPerUser?: number;
  /** samples between two partition seals */
  partitionEvery?: number;
  groups?: number;
  itemsPerGroup?: number;
  dim?: number;
  noise?: number;
  pHit?: number;
  pMiss?: number;
  shape?: Partial<CtrShape>;
}

const DAY_MS = 86_400_000;

export function makeSyntheticDataset(options: SyntheticOptions): CtrDataset {
  const {
    seed,
    users = 100,
    samplesPerUser = 30,
    partitionEvery = 5,
    groups = 4,
    itemsPerGroup = 10,
    dim = 16,
    noise = 0.3,
    pHit = 0.85,
    pMiss = 0.15,
  } = options;
  const shape: CtrShape = { historyLength: 5, categoriesPerItem: 2, maxPartitions: 4, ...options.shape };
  const rng = mulberry32(seed);
  const items = groups * itemsPerGroup;
  // item index i+2 (0 pad, 1 OOV); its group and category = group + 2 (+ a second, random one)
  const itemGroup = Array.from({ length: items }, (_, i) => Math.floor(i / itemsPerGroup));
  const projection = Array.from({ length: groups }, () => Array.from({ length: dim }, () => normal(rng)));

  const partitionVectors: number[] = new Array(dim).fill(0); // row 0
  const partitionIds: number[] = [0];
  const total = users * samplesPerUser;
  const all = emptyBatch(total, shape);
  const P = shape.maxPartitions;
  const L = shape.historyLength;
  const C = shape.categoriesPerItem;
  const start = Date.UTC(2020, 0, 1);
  let row = 0;
  for (let u = 0; u < users; u++) {
    const sealed: { row: number; group: number; sealedAt: number }[] = [];
    // users start at different times so that the global time split mixes users
    let t = start + rng() * 100 * DAY_MS;
    const seen: number[] = [];
    for (let k = 0; k < samplesPerUser; k++) {
      t += (0.5 + rng()) * DAY_MS;
      if (k > 0 && k % partitionEvery === 0) {
        const group = Math.floor(rng() * groups);
        for (let d = 0; d < dim; d++) partitionVectors.push(projection[group]![d]! + noise * normal(rng));
        partitionIds.push(partitionIds.length);
        sealed.unshift({ row: partitionIds.length - 1, group, sealedAt: t - 0.25 * DAY_MS });
      }
      const item = Math.floor(rng() * items);
      const group = sealed[0]?.group;
      const p = group === undefined ? 0.5 : itemGroup[item] === group ? pHit : pMiss;
      all.user[row] = u + 2;
      all.userKey[row] = u + 1;
      all.item[row] = item + 2;
      all.itemCats[row * C] = itemGroup[item]! + 2;
      if (C > 1) all.itemCats[row * C + 1] = groups + 2 + (item % 3);
      for (let h = 0; h < L && h < seen.length; h++) {
        const prev = seen[seen.length - 1 - h]!;
        all.histItems[row * L + h] = prev + 2;
        all.histCats[(row * L + h) * C] = itemGroup[prev]! + 2;
      }
      for (let j = 0; j < P && j < sealed.length; j++) {
        all.partRows[row * P + j] = sealed[j]!.row;
        all.partAgeDays[row * P + j] = (t - sealed[j]!.sealedAt) / DAY_MS;
      }
      all.label[row] = rng() < p ? 1 : 0;
      all.ts[row] = t;
      all.eventsBefore[row] = k * 40; // spread over the history-length slices
      seen.push(item);
      row++;
    }
  }
  const order = Array.from({ length: total }, (_, i) => i).sort((a, b) => all.ts[a]! - all.ts[b]!);
  const cut1 = Math.floor(total * 0.8);
  const cut2 = Math.floor(total * 0.9);
  const vectors = Float32Array.from(partitionVectors);
  return {
    shape,
    vocab: { users: users + 2, items: items + 2, categories: groups + 3 + 2 },
    partitions: { size: partitionIds.length, dim, vectors, partitionIds: Int32Array.from(partitionIds) },
    train: selectRows(all, shape, order.slice(0, cut1)),
    valid: selectRows(all, shape, order.slice(cut1, cut2)),
    test: selectRows(all, shape, order.slice(cut2)),
    meta: { synthetic: true, seed, users, samplesPerUser, groups, dim, oov: OOV },
  };
}

/**
 * The sanity control of issue 13 item 7: the partition features (rows, ages) of each sample
 * are replaced by those of another sample chosen at random (so, almost always, another
 * user's), separately within each split. Labels, ids and histories are untouched. Any lift
 * that survives this did not come from the partition vectors.
 */
export function shufflePartitionsAcrossUsers(dataset: CtrDataset, seed: number): CtrDataset {
  const rng = mulberry32(seed);
  const P = dataset.shape.maxPartitions;
  const shuffleSplit = (batch: SampleBatch): SampleBatch => {
    const out: SampleBatch = {
      ...batch,
      partRows: new Int32Array(batch.partRows.length),
      partAgeDays: new Float32Array(batch.partAgeDays.length),
    };
    for (let i = 0; i < batch.size; i++) {
      const j = Math.floor(rng() * batch.size);
      out.partRows.set(batch.partRows.subarray(j * P, j * P + P), i * P);
      out.partAgeDays.set(batch.partAgeDays.subarray(j * P, j * P + P), i * P);
    }
    return out;
  };
  return {
    ...dataset,
    train: shuffleSplit(dataset.train),
    valid: shuffleSplit(dataset.valid),
    test: shuffleSplit(dataset.test),
    meta: { ...dataset.meta, liberFeaturesShuffled: true },
  };
}
