import { describe, expect, it } from "vitest";
import { benchUbsp } from "./ubsp-pure";

// ---------------------------------------------------------------------------------------
// Benchmark smoke test (the real numbers come from running benchUbsp by hand)
// ---------------------------------------------------------------------------------------

describe("benchUbsp", () => {
  it("runs on a small stream and reports every measurement", () => {
    const r = benchUbsp({ events: 20_000, users: 2, repeats: 1, histories: [100, 1_000], latencyIterations: 20 });
    expect(r.events).toBe(20_000);
    for (const k of ["countRule", "gapRule", "combined"] as const) {
      expect(r[k].eventsPerSec).toBeGreaterThan(0);
      expect(r[k].partitions).toBeGreaterThan(0);
    }
    expect(r.bareLoop.eventsPerSec).toBeGreaterThan(0);
    expect(r.latency.map((l) => l.history)).toEqual([100, 1_000]);
    for (const l of r.latency) expect(l.stateBytes).toBeLessThan(2_000);
  });
});
