import { describe, expect, it } from "vitest";
import type { LlmSettings } from "@/lib/summaries/api-client";
import {
  BUILTIN_MODEL,
  exampleCallCost,
  formFromSettings,
  formToUpdate,
  rowsFromPrices,
  rowsToPrices,
  withProvider,
} from "./llm-settings-model";

const builtin: LlmSettings = {
  provider: "builtin",
  baseUrl: null,
  model: BUILTIN_MODEL,
  temperature: 0.2,
  maxTokens: 600,
  timeoutMs: 60_000,
  maxConcurrency: 4,
  tokensPerMinute: null,
  apiKeyConfigured: false,
  apiKeySource: null,
  apiKeySentToBaseUrl: false,
};

describe("LLM settings form", () => {
  it("round-trips the server's settings", () => {
    expect(formToUpdate(formFromSettings(builtin))).toEqual({
      ok: true,
      body: {
        provider: "builtin",
        baseUrl: null,
        model: BUILTIN_MODEL,
        temperature: 0.2,
        maxTokens: 600,
        timeoutMs: 60_000,
        maxConcurrency: 4,
        tokensPerMinute: null,
      },
    });
  });

  it("pins the builtin model and clears it when switching to openai", () => {
    const openai = withProvider(formFromSettings(builtin), "openai");
    expect(openai.model).toBe("");
    expect(withProvider({ ...openai, model: "gpt-4o-mini" }, "builtin").model).toBe(BUILTIN_MODEL);
    const kept = withProvider({ ...formFromSettings(builtin), provider: "openai", model: "llama3" }, "openai");
    expect(kept.model).toBe("llama3");
  });

  it("needs a base URL and a model for openai, and numbers in range", () => {
    const form = {
      ...withProvider(formFromSettings(builtin), "openai"),
      temperature: "2.5",
      maxTokens: "12.5",
      tokensPerMinute: "lots",
    };
    const result = formToUpdate(form);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(Object.keys(result.errors).sort()).toEqual([
        "baseUrl",
        "maxTokens",
        "model",
        "temperature",
        "tokensPerMinute",
      ]);
    expect(
      formToUpdate({ ...form, baseUrl: "ftp://x", model: "m", temperature: "1", maxTokens: "10", tokensPerMinute: "" }),
    ).toMatchObject({
      ok: false,
      errors: { baseUrl: "Not an http(s) URL." },
    });
  });

  it("sends an OpenAI-compatible configuration with a tokens-per-minute limit", () => {
    const form = {
      ...withProvider(formFromSettings(builtin), "openai"),
      baseUrl: " http://127.0.0.1:8000/v1 ",
      model: " gpt-4o-mini ",
      tokensPerMinute: "200000",
    };
    expect(formToUpdate(form)).toMatchObject({
      ok: true,
      body: { provider: "openai", baseUrl: "http://127.0.0.1:8000/v1", model: "gpt-4o-mini", tokensPerMinute: 200_000 },
    });
  });
});

describe("price table", () => {
  it("round-trips prices", () => {
    const prices = [{ provider: "openai", model: "gpt-4o-mini", inputPerMTok: 0.15, outputPerMTok: 0.6 }];
    expect(rowsToPrices(rowsFromPrices(prices))).toEqual({ ok: true, prices });
  });

  it("flags empty names, bad prices and duplicates, by row", () => {
    const rows = rowsFromPrices([
      { provider: "openai", model: "a", inputPerMTok: 1, outputPerMTok: 2 },
      { provider: "openai", model: "a", inputPerMTok: 1, outputPerMTok: 2 },
    ]);
    rows.push({ key: 7, provider: "", model: "b", inputPerMTok: "1", outputPerMTok: "1" });
    rows.push({ key: 8, provider: "x", model: "c", inputPerMTok: "-1", outputPerMTok: "1" });
    const result = rowsToPrices(rows);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect([...result.errors.keys()]).toEqual([1, 7, 8]);
      expect(result.errors.get(1)).toContain("listed twice");
    }
  });

  it("prices an example call", () => {
    expect(exampleCallCost({ inputPerMTok: 0.15, outputPerMTok: 0.6 })).toBeCloseTo(0.00027, 10);
  });
});
