import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { runBrowserCtrBench } from "./ctr-browser";
import { benchDataset } from "./ctr-training";

// Needs a Chromium (Debian's at /usr/bin/chromium, as the e2e tests do; CI installs it).
const chromium = fs.existsSync("/usr/bin/chromium");

describe("liber bench ctr, browser half", () => {
  it.skipIf(!chromium)(
    "streams and decodes the samples, runs the Lab's auto-pick and times training in headless Chromium",
    async () => {
      const r = await runBrowserCtrBench({
        backends: ["wasm", "cpu"],
        backbones: ["deepfm"],
        samples: 64,
        batchSize: 32,
      });
      const d = benchDataset(64);
      expect(r.stream.samples).toBe(d.train.size + d.valid.size + d.test.size);
      expect(r.stream.bytes).toBeGreaterThan(0);
      expect(r.training.map((t) => `${t.backend} ${t.variant}`)).toEqual([
        "wasm baseline",
        "wasm liber",
        "cpu baseline",
        "cpu liber",
      ]);
      for (const t of r.training) {
        expect(t.samples).toBe(64);
        expect(t.samplesPerSecond).toBeGreaterThan(0);
      }
      // the auto-pick is the probe's fastest working backend, and the comparison is computed, not assumed
      const working = r.autoPick.timings.filter((t) => t.samplesPerSecond > 0);
      const best = working.reduce((a, b) => (b.samplesPerSecond > a.samplesPerSecond ? b : a));
      expect(r.autoPick.picked).toBe(best.backend);
      expect(r.autoPickIsFastest).toBe(r.autoPick.picked === r.fastestBackend);
      expect(r.machine.loadAverageBefore).toHaveLength(3);
    },
    180_000,
  );
});
