import { describe, expect, it } from "vitest";
import { expectedChain, promptIdentity, staleFlags, summaryInputHash, type ChainSettings } from "./chain";

const settings: ChainSettings = {
  promptIdentity: "pv:1",
  provider: "openai",
  model: "gpt-4o-mini",
  params: { model: "gpt-4o-mini", temperature: 0.2, maxTokens: 800 },
};

describe("summaryInputHash", () => {
  it("changes with every input it covers, and only with those", () => {
    const base = summaryInputHash(settings, "aaaa", "");
    expect(summaryInputHash({ ...settings }, "aaaa", "")).toBe(base);
    const variants = [
      summaryInputHash({ ...settings, promptIdentity: "pv:2" }, "aaaa", ""),
      summaryInputHash({ ...settings, provider: "builtin" }, "aaaa", ""),
      summaryInputHash({ ...settings, model: "gpt-4o" }, "aaaa", ""),
      summaryInputHash({ ...settings, params: { ...settings.params, temperature: 0 } }, "aaaa", ""),
      summaryInputHash(settings, "aaab", ""),
      summaryInputHash(settings, "aaaa", "prev"),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });

  it("expectedChain gives exactly summaryInputHash's chain (settings serialised once)", () => {
    const odd: ChainSettings[] = [
      settings,
      { ...settings, params: { ...settings.params, stop: ['"partition":"x"', "\u0001"] } as ChainSettings["params"] },
      { ...settings, promptIdentity: "draft:\u0001liber-chain-partition\u0001", model: 'm"1' },
      { ...settings, model: undefined as unknown as string },
    ];
    for (const s of odd) {
      const contents = ["c0", "", 'q"uote', "c0", "\u00e9t\u00e9", "a".repeat(64)];
      let previous = "";
      const slow = contents.map((c) => (previous = summaryInputHash(s, c, previous)));
      expect(expectedChain(s, contents)).toEqual(slow);
    }
  });

  it("expectedChain reuses a remembered prefix and still gives the exact chain", () => {
    const contents = Array.from({ length: 50 }, (_, i) => `c${i}`);
    const slow = (cs: string[]) => {
      let previous = "";
      return cs.map((c) => (previous = summaryInputHash(settings, c, previous)));
    };
    expect(expectedChain(settings, contents)).toEqual(slow(contents));
    const grown = [...contents, "c50", "c51"];
    expect(expectedChain(settings, grown)).toEqual(slow(grown));
    const changed = [...contents.slice(0, 20), "cX", ...contents.slice(21)];
    expect(expectedChain(settings, changed)).toEqual(slow(changed));
    const shorter = contents.slice(0, 10);
    expect(expectedChain(settings, shorter)).toEqual(slow(shorter));
    expect(expectedChain(settings, grown)).toEqual(slow(grown));
    // The returned arrays are the caller's: changing one does not change the next answer.
    const mine = expectedChain(settings, contents);
    mine[0] = "tampered";
    expect(expectedChain(settings, contents)[0]).toBe(slow(contents)[0]);
  });

  it("chains: a changed partition changes its own and every later input hash", () => {
    const before = expectedChain(settings, ["p0", "p1", "p2", "p3"]);
    const after = expectedChain(settings, ["p0", "p1", "pX", "p3"]);
    expect(before.map((h, i) => h === after[i])).toEqual([true, true, false, false]);
  });

  it("identifies drafts by their content and saved versions by id", () => {
    const draft = { id: null, system: "s", userTemplate: "u", behaviorOptions: { maxItems: 5 } };
    expect(promptIdentity(draft)).toBe(promptIdentity({ ...draft }));
    expect(promptIdentity(draft)).not.toBe(promptIdentity({ ...draft, userTemplate: "v" }));
    expect(promptIdentity({ ...draft, id: 7 })).toBe("pv:7");
  });
});

describe("staleFlags", () => {
  const parts = [{ contentHash: "c0" }, { contentHash: "c1" }, { contentHash: "c2" }, { contentHash: "c3" }];
  const row = (inputHash: string, previousInputHash: string, partitionContentHash: string) => ({
    inputHash,
    previousInputHash,
    partitionContentHash,
  });

  it("is all fresh for a consistent chain", () => {
    const shown = [row("h0", "", "c0"), row("h1", "h0", "c1"), row("h2", "h1", "c2"), row("h3", "h2", "c3")];
    expect(staleFlags(parts, shown)).toEqual([false, false, false, false]);
  });

  it("flags a summary whose predecessor changed, and everything after it", () => {
    const shown = [row("h0", "", "c0"), row("h1b", "h0", "c1"), row("h2", "h1", "c2"), row("h3", "h2", "c3")];
    expect(staleFlags(parts, shown)).toEqual([false, false, true, true]);
  });

  it("flags a summary written for other content, and everything after it", () => {
    const shown = [row("h0", "", "c0"), row("h1", "h0", "old"), row("h2", "h1", "c2"), row("h3", "h2", "c3")];
    expect(staleFlags(parts, shown)).toEqual([false, true, true, true]);
  });

  it("flags a summary whose predecessor is missing; missing ones are not stale", () => {
    const shown = [row("h0", "", "c0"), null, row("h2", "h1", "c2"), null];
    expect(staleFlags(parts, shown)).toEqual([false, false, true, false]);
  });

  it("flags a first summary that claims a predecessor", () => {
    expect(staleFlags(parts.slice(0, 1), [row("h0", "something", "c0")])).toEqual([true]);
  });
});
