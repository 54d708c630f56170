import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { partitionConfigSchema, type PartitionConfig } from "@/lib/liber/ubsp";
import {
  configToForm,
  DAY_MS,
  DEFAULT_FORM,
  DEFAULT_PRICING,
  DEFAULT_PRICING_FORM,
  describeConfig,
  formatConfigValue,
  formToConfig,
  pricingFromForm,
  type ConfigFormState,
} from "./config-form";

const off = { enabled: false, value: "" };
const form = (patch: Partial<ConfigFormState>): ConfigFormState => ({
  maxCount: off,
  minCount: off,
  maxGapDays: off,
  maxSpanDays: off,
  drift: { enabled: false, threshold: "", minSize: "" },
  ...patch,
});

describe("formToConfig", () => {
  it("turns the default form into K = 50", () => {
    expect(formToConfig(DEFAULT_FORM)).toEqual({ ok: true, config: { maxCount: 50 } });
  });

  it("leaves unticked rules out and converts days to milliseconds", () => {
    const r = formToConfig(
      form({
        maxCount: { enabled: true, value: " 40 " },
        maxGapDays: { enabled: true, value: "1.5" },
        maxSpanDays: { enabled: false, value: "365" },
        drift: { enabled: true, threshold: "0.25", minSize: "10" },
      }),
    );
    expect(r).toEqual({
      ok: true,
      config: { maxCount: 40, maxGapMs: 1.5 * DAY_MS, drift: { threshold: 0.25, minSize: 10 } },
    });
  });

  it("reports a ticked rule without a usable number on its own input", () => {
    const r = formToConfig(
      form({
        maxCount: { enabled: true, value: "" },
        minCount: { enabled: true, value: "2.5" },
        maxGapDays: { enabled: true, value: "-1" },
        drift: { enabled: true, threshold: "1", minSize: "abc" },
      }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.fieldErrors).toEqual({
      maxCount: "Enter a value, or untick the rule",
      minCount: "Enter a whole number",
      maxGapDays: "Must be at least 0",
      driftThreshold: "Must be below 1",
      driftMinSize: "Enter a number",
    });
  });

  it("puts the schema's cross-field errors on the right input, and 'no rule' on the form", () => {
    const minTooBig = formToConfig(
      form({
        maxCount: { enabled: true, value: "10" },
        minCount: { enabled: true, value: "10" },
        maxGapDays: { enabled: true, value: "3" },
      }),
    );
    expect(minTooBig.ok).toBe(false);
    if (!minTooBig.ok) expect(minTooBig.fieldErrors.minCount).toMatch(/below max count/);

    const driftTooBig = formToConfig(
      form({ maxCount: { enabled: true, value: "10" }, drift: { enabled: true, threshold: "0.3", minSize: "10" } }),
    );
    expect(driftTooBig.ok).toBe(false);
    if (!driftTooBig.ok)
      expect(driftTooBig.fieldErrors.driftMinSize).toMatch(/below max count .* drift can never seal/);

    const none = formToConfig(form({}));
    expect(none.ok).toBe(false);
    if (!none.ok) {
      expect(none.formError).toMatch(/^Tick at least one sealing rule/);
      expect(none.fieldErrors).toEqual({});
    }
  });

  it("round-trips every valid config through the form (property)", () => {
    const config = fc
      .record(
        {
          maxCount: fc.integer({ min: 1, max: 5000 }),
          minCount: fc.integer({ min: 1, max: 5000 }),
          maxGapMs: fc.integer({ min: 0, max: 3650 }).map((d) => d * DAY_MS),
          maxSpanMs: fc.integer({ min: 0, max: 40 }).map((d) => (d * DAY_MS) / 4),
          drift: fc.record({
            threshold: fc.integer({ min: 0, max: 99 }).map((n) => n / 100),
            minSize: fc.integer({ min: 1, max: 500 }),
          }),
        },
        { requiredKeys: [] },
      )
      .filter((c): c is PartitionConfig => partitionConfigSchema.safeParse(c).success);
    fc.assert(
      fc.property(config, (c) => {
        expect(formToConfig(configToForm(c))).toEqual({ ok: true, config: partitionConfigSchema.parse(c) });
      }),
      { numRuns: 300 },
    );
  });
});

describe("configToForm", () => {
  it("shows durations in days and keeps the defaults' values in unticked rules", () => {
    const f = configToForm({ maxGapMs: 30 * DAY_MS, drift: { threshold: 0.3, minSize: 20 } });
    expect(f.maxGapDays).toEqual({ enabled: true, value: "30" });
    expect(f.maxCount).toEqual({ enabled: false, value: "50" });
    expect(f.drift).toEqual({ enabled: true, threshold: "0.3", minSize: "20" });
  });
});

describe("describeConfig and formatConfigValue", () => {
  it("summarises a config on one line, durations in days", () => {
    expect(
      describeConfig({
        maxCount: 50,
        minCount: 5,
        maxGapMs: 30 * DAY_MS,
        maxSpanMs: DAY_MS / 2,
        drift: { threshold: 0.3, minSize: 20 },
      }),
    ).toBe("K 50 · min 5 · gap > 30 d · span > 0.5 d · drift > 0.3 (from 20)");
  });

  it("formats diff values: ms fields in days, absent rules as off", () => {
    expect(formatConfigValue("maxGapMs", 7 * DAY_MS)).toBe("7 d");
    expect(formatConfigValue("maxCount", undefined)).toBe("off");
    expect(formatConfigValue("drift", { threshold: 0.2, minSize: 10 })).toBe("> 0.2 (from 10)");
    expect(formatConfigValue("drift.threshold", 0.25)).toBe("0.25");
  });
});

describe("pricingFromForm", () => {
  it("parses the defaults and rejects a negative or empty price", () => {
    expect(pricingFromForm(DEFAULT_PRICING_FORM)).toEqual({ ok: true, pricing: DEFAULT_PRICING });
    const bad = pricingFromForm({ ...DEFAULT_PRICING_FORM, inputPerMTok: "-1", tokensPerEvent: "" });
    expect(bad).toEqual({
      ok: false,
      errors: { inputPerMTok: "Must be at least 0", tokensPerEvent: "Enter a number" },
    });
  });
});
