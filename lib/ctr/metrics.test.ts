import { describe, expect, it } from "vitest";
import { auc, gauc, logloss, pairedDifference, rocCurve, tQuantile975 } from "./metrics";

describe("auc", () => {
  it("matches a hand count of positive-negative pairs", () => {
    // positives 0.9, 0.4; negatives 0.5, 0.1 -> pairs (0.9>0.5, 0.9>0.1, 0.4<0.5, 0.4>0.1) = 3/4
    expect(auc([1, 1, 0, 0], [0.9, 0.4, 0.5, 0.1])).toBeCloseTo(0.75, 12);
  });
  it("gives ties half credit", () => {
    // positive 0.5 vs negatives 0.5 (tie: 1/2) and 0.2 (win: 1) -> 1.5/2
    expect(auc([1, 0, 0], [0.5, 0.5, 0.2])).toBeCloseTo(0.75, 12);
    expect(auc([1, 0, 1, 0], [0.3, 0.3, 0.3, 0.3])).toBeCloseTo(0.5, 12);
  });
  it("is 1 for a perfect ranking, 0 for a reversed one, NaN for one class", () => {
    expect(auc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4])).toBe(1);
    expect(auc([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4])).toBe(0);
    expect(auc([1, 1], [0.1, 0.2])).toBeNaN();
  });
});

describe("logloss", () => {
  it("matches the hand-computed cross-entropy", () => {
    const expected = -(Math.log(0.8) + Math.log(1 - 0.3)) / 2;
    expect(logloss([1, 0], [0.8, 0.3])).toBeCloseTo(expected, 12);
  });
  it("clips predictions so that a confident mistake stays finite", () => {
    expect(logloss([1], [0])).toBeCloseTo(-Math.log(1e-7), 6);
    expect(logloss([0], [1])).toBeCloseTo(-Math.log(1e-7), 6);
  });
});

describe("gauc", () => {
  it("weights per-user AUC by sample count and skips one-class users", () => {
    // user 1: 4 samples, AUC 0.75; user 2: 2 samples, AUC 1; user 3: one class -> skipped
    const labels = [1, 1, 0, 0, 1, 0, 1, 1];
    const scores = [0.9, 0.4, 0.5, 0.1, 0.7, 0.2, 0.3, 0.6];
    const users = [1, 1, 1, 1, 2, 2, 3, 3];
    const result = gauc(labels, scores, users);
    expect(result.gauc).toBeCloseTo((0.75 * 4 + 1 * 2) / 6, 12);
    expect(result.users).toBe(2);
    expect(result.skippedUsers).toBe(1);
  });
});

describe("rocCurve", () => {
  it("walks from (0,0) to (1,1) with one point per distinct score", () => {
    const points = rocCurve([1, 0, 1, 0], [0.9, 0.8, 0.8, 0.1]);
    expect(points.map((p) => [p.fpr, p.tpr])).toEqual([
      [0, 0],
      [0, 0.5],
      [0.5, 1],
      [1, 1],
    ]);
  });
});

describe("pairedDifference", () => {
  it("gives the mean difference and a t-interval over seeds", () => {
    const d = pairedDifference([0.7, 0.71, 0.72], [0.71, 0.73, 0.72]);
    // differences 0.01, 0.02, 0.00: mean 0.01, sd 0.01, half-width 4.303 * 0.01 / sqrt(3)
    expect(d.mean).toBeCloseTo(0.01, 12);
    expect(d.sd).toBeCloseTo(0.01, 12);
    const half = (4.303 * 0.01) / Math.sqrt(3);
    expect(d.ci95![0]).toBeCloseTo(0.01 - half, 12);
    expect(d.ci95![1]).toBeCloseTo(0.01 + half, 12);
  });
  it("has no interval with one seed", () => {
    expect(pairedDifference([0.5], [0.6]).ci95).toBeNull();
    expect(tQuantile975(2)).toBe(4.303);
  });
});
