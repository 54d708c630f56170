import { describe, expect, it } from "vitest";
import {
  addCurvePoint,
  cappedRows,
  explainUser,
  explainUsers,
  formatMetric,
  progressFraction,
  encoderSettings,
  samplesQuery,
  transferLabel,
  type ExplainData,
  type ProgressEvent,
} from "./lab-model";

const event = (over: Partial<ProgressEvent>): ProgressEvent => ({
  variant: "baseline",
  epoch: 1,
  batch: 1,
  batches: 10,
  epochs: 2,
  loss: 0.6,
  samplesPerSecond: 100,
  ...over,
});

describe("encoderSettings", () => {
  it("sends the label rule and only the dates that are set (what decides the validation cutoff)", () => {
    expect(encoderSettings({ label: " rate>=4 ", from: "2015-01-01", to: "" })).toEqual({
      label: "rate>=4",
      from: "2015-01-01",
    });
    expect(encoderSettings({ label: "", from: "", to: "2018-01-01" })).toEqual({ label: "rate>=4", to: "2018-01-01" });
  });
});

describe("samplesQuery", () => {
  it("sends the label rule, shape and only the dates that are set", () => {
    const q = new URLSearchParams(
      samplesQuery({ label: " rate>=4,click ", from: "2016-01-01", to: "", history: 20, partitions: 32 }),
    );
    expect(q.get("label")).toBe("rate>=4,click");
    expect(q.get("from")).toBe("2016-01-01");
    expect(q.has("to")).toBe(false);
    expect(q.get("history")).toBe("20");
    expect(q.get("partitions")).toBe("32");
    expect(q.has("allowLateEncoder")).toBe(false);
    const late = new URLSearchParams(
      samplesQuery({ label: "rate>=4", from: "", to: "", history: 20, partitions: 32, allowLateEncoder: true }),
    );
    expect(late.get("allowLateEncoder")).toBe("true");
    expect(late.has("control")).toBe(false);
    const control = new URLSearchParams(
      samplesQuery({ label: "rate>=4", from: "2015-01-01", to: "", history: 20, partitions: 32 }, "control"),
    );
    expect(control.get("control")).toBe("shuffled");
    expect(control.get("from")).toBe("2015-01-01");
  });
  it("falls back to the default label rule when empty", () => {
    expect(
      new URLSearchParams(samplesQuery({ label: "  ", from: "", to: "", history: 5, partitions: 8 })).get("label"),
    ).toBe("rate>=4");
  });
});

describe("cappedRows", () => {
  it("keeps everything under the cap or with cap 0", () => {
    expect(Array.from(cappedRows(5, 10))).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(cappedRows(5, 0))).toEqual([0, 1, 2, 3, 4]);
  });
  it("spreads the kept rows evenly, increasing, starting at the first", () => {
    const rows = Array.from(cappedRows(1000, 4));
    expect(rows).toEqual([0, 250, 500, 750]);
    const many = Array.from(cappedRows(12345, 1000));
    expect(many).toHaveLength(1000);
    expect(new Set(many).size).toBe(1000);
    expect(many.every((r, i) => i === 0 || r > many[i - 1]!)).toBe(true);
    expect(many.at(-1)!).toBeLessThan(12345);
  });
});

describe("progressFraction", () => {
  it("counts epochs and batches, and done is 1", () => {
    expect(progressFraction(undefined)).toBe(0);
    expect(progressFraction(event({ epoch: 1, batch: 5, batches: 10, epochs: 2 }))).toBeCloseTo(0.25);
    expect(progressFraction(event({ epoch: 2, batch: 10, batches: 10, epochs: 2 }))).toBe(1);
    expect(progressFraction(event({ epoch: 1, batch: 3, batches: 10, epochs: 5, done: true }))).toBe(1);
  });
});

describe("addCurvePoint", () => {
  it("merges both variants at the same x and keeps x sorted", () => {
    let c = addCurvePoint([], event({ variant: "baseline", batch: 10, loss: 0.5 }));
    c = addCurvePoint(c, event({ variant: "liber", batch: 5, loss: 0.7 }));
    c = addCurvePoint(c, event({ variant: "liber", batch: 10, loss: 0.4, validAuc: 0.71 }));
    expect(c.map((p) => p.x)).toEqual([0.5, 1]);
    expect(c[1]).toEqual({ x: 1, baselineLoss: 0.5, liberLoss: 0.4, liberAuc: 0.71 });
    expect(c[0]).toEqual({ x: 0.5, liberLoss: 0.7 });
  });
  it("does not mutate its input and skips NaN", () => {
    const before = addCurvePoint([], event({ batch: 10, loss: 0.5 }));
    const after = addCurvePoint(before, event({ batch: 10, loss: Number.NaN, validAuc: 0.6 }));
    expect(before[0]).toEqual({ x: 1, baselineLoss: 0.5 });
    expect(after[0]).toEqual({ x: 1, baselineLoss: 0.5, baselineAuc: 0.6 });
  });
});

describe("formatting", () => {
  it("formats metrics, signs lifts and dashes missing values", () => {
    expect(formatMetric(0.71234)).toBe("0.7123");
    expect(formatMetric(0.01, true)).toBe("+0.0100");
    expect(formatMetric(-0.01, true)).toBe("-0.0100");
    expect(formatMetric(null)).toBe("—");
    expect(formatMetric(Number.NaN)).toBe("—");
  });
  it("labels the transfer", () => {
    expect(transferLabel(1_048_576, 2_097_152)).toBe("1.0 MB of 2.0 MB");
    expect(transferLabel(524_288, null)).toBe("0.5 MB");
  });
});

describe("explainUsers / explainUser", () => {
  // 3 samples, P = 2: user 7 has two (one with two partitions), user 9 one without partitions.
  const data: ExplainData = {
    slots: 2,
    userKey: Int32Array.from([7, 9, 7]),
    item: Int32Array.from([11, 12, 13]),
    ts: Float64Array.from([3000, 1000, 2000]),
    label: Float32Array.from([1, 0, 0]),
    eventsBefore: Int32Array.from([40, 5, 39]),
    partRows: Int32Array.from([1, 2, 0, 0, 1, 0]),
    partAgeDays: Float32Array.from([10, 30, 0, 0, 9, 0]),
    partitionIds: Int32Array.from([0, 501, 502]),
    baseline: Float32Array.from([0.4, 0.3, 0.2]),
    liber: Float32Array.from([0.6, 0.3, 0.1]),
    weights: Float32Array.from([0.25, 0.75, 0, 0, 1, 0]),
  };
  it("lists users with partitions first, counting samples and clicks", () => {
    expect(explainUsers(data)).toEqual([
      { userKey: 7, samples: 2, clicks: 1 },
      { userKey: 9, samples: 1, clicks: 0 },
    ]);
  });
  it("gives one user's samples in time order with partitions by attention", () => {
    const rows = explainUser(data, 7);
    expect(rows.map((r) => r.ts)).toEqual([2000, 3000]);
    expect(rows[1]).toMatchObject({ item: 11, label: 1, baseline: expect.closeTo(0.4), liber: expect.closeTo(0.6) });
    expect(rows[1]!.partitions).toEqual([
      { partitionId: 502, ageDays: 30, weight: 0.75 },
      { partitionId: 501, ageDays: 10, weight: 0.25 },
    ]);
    expect(explainUser(data, 9)[0]!.partitions).toEqual([]);
    expect(explainUser({ ...data, weights: null }, 7)[0]!.partitions).toEqual([
      { partitionId: 501, ageDays: 9, weight: null },
    ]);
  });
});
