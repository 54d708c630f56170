import { describe, expect, it } from "vitest";
import { BuiltinEncoder, features, fitIdf, restoreIdf, tokenize } from "./builtin";
import { bytesToVector, vectorToBytes } from "./encoder";
import { cosine } from "./vectors";

const corpus = [
  "Loves science fiction and space operas, with a growing taste for thrillers.",
  "Mostly romantic comedies; a shift towards dramas about family.",
  "Animated films for children, then documentaries about nature.",
  "Space operas again, and hard science fiction novels adapted to film.",
];

describe("builtin encoder", () => {
  it("tokenises words and bigrams", () => {
    expect(tokenize("Sci-Fi & Café, 2001!")).toEqual(["sci", "fi", "café", "2001"]);
    const f = features("a b a b", true);
    expect(f.get("w:a")).toBe(2);
    expect(f.get("b:a b")).toBe(2);
    expect(f.get("b:b a")).toBe(1);
    expect(features("a b", false).has("b:a b")).toBe(false);
  });

  it("is deterministic: same IDF and text, same bits; L2-normalised", async () => {
    const a = new BuiltinEncoder(fitIdf(corpus));
    const b = new BuiltinEncoder(fitIdf([...corpus].reverse()));
    expect(a.version).toBe(b.version);
    const [va] = await a.encode([corpus[0]!]);
    const [vb] = await b.encode([corpus[0]!]);
    expect(Buffer.from(va!.buffer).equals(Buffer.from(vb!.buffer))).toBe(true);
    const norm = Math.sqrt(va!.reduce((s, x) => s + x * x, 0));
    expect(norm).toBeCloseTo(1, 5);
    expect(va!.length).toBe(256);
  });

  it("similar texts are closer than unrelated ones", async () => {
    const enc = new BuiltinEncoder(fitIdf(corpus));
    const [sf1, sf2, kids] = await enc.encode([corpus[0]!, corpus[3]!, corpus[2]!]);
    expect(cosine(sf1!, sf2!)).toBeGreaterThan(cosine(sf1!, kids!));
  });

  it("refitting on other texts makes another version; dims are part of the version", () => {
    const v1 = new BuiltinEncoder(fitIdf(corpus)).version;
    const v2 = new BuiltinEncoder(fitIdf([...corpus, "one more document about westerns"])).version;
    const v3 = new BuiltinEncoder(fitIdf(corpus), 128).version;
    expect(new Set([v1, v2, v3]).size).toBe(3);
    expect(v1).toMatch(/^builtin-tfidf\/d256\/idf:[0-9a-f]{12}$/);
  });

  it("the IDF changes vectors: a word frequent in the corpus weighs less", async () => {
    const encA = new BuiltinEncoder(fitIdf(["space opera", "space western", "space drama"]));
    const encB = new BuiltinEncoder(fitIdf(["opera house", "opera night", "opera singer"]));
    const [a] = await encA.encode(["space opera"]);
    const [b] = await encB.encode(["space opera"]);
    expect(cosine(a!, b!)).toBeLessThan(0.999);
  });

  it("restores a stored IDF and refuses changed statistics", () => {
    const idf = fitIdf(corpus, { idfBuckets: 1024 });
    const back = restoreIdf({
      params: idf.params,
      documents: idf.documents,
      df: Array.from(idf.df),
      version: idf.version,
    });
    expect(back.version).toBe(idf.version);
    const tampered = Array.from(idf.df);
    tampered[3]! += 1;
    expect(() =>
      restoreIdf({ params: idf.params, documents: idf.documents, df: tampered, version: idf.version }),
    ).toThrow(/refusing/);
  });

  it("round-trips vectors through the bytea layout", () => {
    const v = Float32Array.from([0.5, -0.25, 1e-7, 3]);
    expect(Array.from(bytesToVector(vectorToBytes(v)))).toEqual(Array.from(v));
  });
});
