/**
 * Seeded randomness for the CTR code: data order, synthetic data and the seeds handed to
 * tfjs initialisers. Pure, no tfjs, same numbers in the browser and in Node.
 */
import { mulberry32 } from "../liber/random";

/** Standard normal draw (Box-Muller) from a uniform source. */
export function normal(rng: () => number): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** Fisher-Yates shuffle in place; returns the array. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(values: T, rng: () => number): T {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = values[i]!;
    values[i] = values[j]!;
    values[j] = tmp;
  }
  return values;
}

/** 0..n-1 in a seeded random order. */
export function permutation(n: number, seed: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return shuffleInPlace(order, mulberry32(seed));
}

/**
 * A stable 31-bit seed from a run seed and a name (FNV-1a), so that a parameter gets the same
 * initial values whichever variant creates it and in whichever order: the baseline and the
 * +LIBER variant of one seed start from identical shared weights.
 */
export function deriveSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= seed * 2654435761;
  return (h >>> 0) % 2147483647;
}
