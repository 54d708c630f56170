import { describe, expect, it } from "vitest";
import { decodeDataset, encodeDataset } from "./arrow";
import { makeSyntheticDataset } from "./synthetic";

describe("Arrow IPC codec", () => {
  it("round-trips a dataset (partition table and all splits) exactly, across several record batches", () => {
    const dataset = makeSyntheticDataset({ seed: 3, users: 40, samplesPerUser: 12, dim: 6 });
    const bytes = encodeDataset(dataset, 50);
    const back = decodeDataset(bytes);
    expect(back.shape).toEqual(dataset.shape);
    expect(back.vocab).toEqual(dataset.vocab);
    expect(back.meta).toEqual(dataset.meta);
    expect(back.partitions.dim).toBe(dataset.partitions.dim);
    expect(back.partitions.size).toBe(dataset.partitions.size);
    expect(Array.from(back.partitions.vectors)).toEqual(Array.from(dataset.partitions.vectors));
    expect(Array.from(back.partitions.partitionIds)).toEqual(Array.from(dataset.partitions.partitionIds));
    for (const split of ["train", "valid", "test"] as const) {
      const a = dataset[split];
      const b = back[split];
      expect(b.size).toBe(a.size);
      for (const key of Object.keys(a) as (keyof typeof a)[]) {
        if (key === "size") continue;
        expect(Array.from(b[key] as ArrayLike<number>), `${split}.${key}`).toEqual(
          Array.from(a[key] as ArrayLike<number>),
        );
      }
    }
  });
});
