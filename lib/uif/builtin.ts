import { contentHash, l2Normalise, type Encoder } from "./encoder";

/**
 * The builtin encoder: hashed TF-IDF over words and word bigrams (offline, deterministic).
 *
 * - Tokens: NFKC, lower case, maximal runs of letters/digits (Unicode). Features: every word
 *   ("w:" + word) and every pair of consecutive words ("b:" + w1 + " " + w2).
 * - Weight of a feature in a text: (1 + ln tf) * idf, idf = ln((1 + N) / (1 + df)) + 1
 *   (sublinear tf, smoothed idf). df is counted per hash bucket of a large space
 *   (`idfBuckets`, 2^16) so that the IDF needs no vocabulary yet rarely merges two words.
 * - Signed feature hashing (Weinberger et al. 2009): the feature adds sign(h) * weight to
 *   dimension h mod dims, so collisions cancel in expectation instead of piling up.
 * - The vector is L2-normalised (cosine = dot product).
 *
 * The IDF is an `IdfModel` fitted on a corpus of documents; its version is a content hash of
 * its parameters and statistics, and the encoder version includes it: refitting on other
 * texts yields another encoder version and never changes vectors stored under an old one.
 */

export const TOKENIZER_VERSION = "tok1";
export const DEFAULT_DIMS = 256;
export const DEFAULT_IDF_BUCKETS = 1 << 16;

export interface IdfParams {
  idfBuckets: number;
  bigrams: boolean;
  tokenizer: string;
}

export interface IdfModel {
  params: IdfParams;
  /** Documents the statistics were counted on. */
  documents: number;
  /** Document frequency per hash bucket (length idfBuckets). */
  df: Int32Array;
  /** Content hash of params, documents and df. */
  version: string;
}

export interface BuiltinParams {
  dims: number;
  idfBuckets: number;
  bigrams: boolean;
  sublinearTf: boolean;
  tokenizer: string;
}

const WORD = /[\p{L}\p{N}]+/gu;

export function tokenize(text: string): string[] {
  return text.normalize("NFKC").toLowerCase().match(WORD) ?? [];
}

/** 32-bit FNV-1a over UTF-16 code units, finished with murmur3's fmix32 (good low and high bits). */
export function hash32(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Feature strings of a text with their counts. */
export function features(text: string, bigrams: boolean): Map<string, number> {
  const tokens = tokenize(text);
  const counts = new Map<string, number>();
  for (let i = 0; i < tokens.length; i++) {
    const w = `w:${tokens[i]}`;
    counts.set(w, (counts.get(w) ?? 0) + 1);
    if (bigrams && i + 1 < tokens.length) {
      const b = `b:${tokens[i]} ${tokens[i + 1]}`;
      counts.set(b, (counts.get(b) ?? 0) + 1);
    }
  }
  return counts;
}

/** Separate seeds: the IDF bucket and the (dimension, sign) of a feature are independent hashes. */
const IDF_SEED = 0x9747b28c;

function idfBucket(feature: string, buckets: number): number {
  return hash32(feature, IDF_SEED) % buckets;
}

export function idfVersion(params: IdfParams, documents: number, df: Int32Array): string {
  return contentHash({ params, documents }, new Uint8Array(df.buffer, df.byteOffset, df.byteLength));
}

/** Fits document frequencies on a corpus (each text one document). Order does not matter. */
export function fitIdf(documents: Iterable<string>, params: Partial<IdfParams> = {}): IdfModel {
  const full: IdfParams = {
    idfBuckets: params.idfBuckets ?? DEFAULT_IDF_BUCKETS,
    bigrams: params.bigrams ?? true,
    tokenizer: TOKENIZER_VERSION,
  };
  const df = new Int32Array(full.idfBuckets);
  const seen = new Set<number>();
  let n = 0;
  for (const doc of documents) {
    n++;
    seen.clear();
    for (const f of features(doc, full.bigrams).keys()) seen.add(idfBucket(f, full.idfBuckets));
    for (const b of seen) df[b]!++;
  }
  return { params: full, documents: n, df, version: idfVersion(full, n, df) };
}

/** Rebuilds a stored model; throws when the statistics do not match the stored version. */
export function restoreIdf(stored: {
  params: IdfParams;
  documents: number;
  df: ArrayLike<number>;
  version: string;
}): IdfModel {
  const df = Int32Array.from(stored.df);
  if (df.length !== stored.params.idfBuckets)
    throw new Error(`IDF ${stored.version}: ${df.length} buckets, expected ${stored.params.idfBuckets}`);
  const version = idfVersion(stored.params, stored.documents, df);
  if (version !== stored.version)
    throw new Error(`IDF ${stored.version}: statistics hash to ${version}, refusing a changed model`);
  return { params: stored.params, documents: stored.documents, df, version };
}

export function builtinVersion(dims: number, idf: IdfModel): string {
  return `builtin-tfidf/d${dims}/idf:${idf.version}`;
}

export class BuiltinEncoder implements Encoder {
  readonly id = "builtin";
  readonly version: string;
  readonly params: BuiltinParams;
  /** idf per bucket, precomputed. */
  private readonly idf: Float32Array;

  constructor(
    readonly idfModel: IdfModel,
    readonly dims: number = DEFAULT_DIMS,
  ) {
    if (!Number.isInteger(dims) || dims < 2 || dims > 4096)
      throw new RangeError("dims must be an integer in [2, 4096]");
    this.params = {
      dims,
      idfBuckets: idfModel.params.idfBuckets,
      bigrams: idfModel.params.bigrams,
      sublinearTf: true,
      tokenizer: idfModel.params.tokenizer,
    };
    this.version = builtinVersion(dims, idfModel);
    const n = idfModel.documents;
    this.idf = new Float32Array(idfModel.df.length);
    for (let i = 0; i < this.idf.length; i++) this.idf[i] = Math.log((1 + n) / (1 + idfModel.df[i]!)) + 1;
  }

  encodeOne(text: string): Float32Array {
    const v = new Float32Array(this.dims);
    const buckets = this.idfModel.params.idfBuckets;
    for (const [f, tf] of features(text, this.idfModel.params.bigrams)) {
      const h = hash32(f);
      const weight = (1 + Math.log(tf)) * this.idf[idfBucket(f, buckets)]!;
      v[h % this.dims]! += h & 0x80000000 ? -weight : weight;
    }
    return l2Normalise(v);
  }

  async encode(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map((t) => this.encodeOne(t));
  }
}
