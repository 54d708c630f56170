/**
 * UBSP: User Behavior Streaming Partition (LIBER, module 1).
 *
 * Each user's behaviour log is a stream. New behaviours enter an open short-term cache; when
 * a partition condition holds the cache is sealed into an immutable partition, and only
 * sealed partitions ever reach the LLM (UIL). This module is pure and framework-free: no
 * database, no Next.js, no Node-only API.
 *
 * Semantics (the choices worth knowing):
 * - Ordering. Within one `advance` call events are processed in (ts, id) order: a sorted
 *   batch (the normal case: the DB reads ORDER BY ts, id) costs nothing extra; an unsorted
 *   one is detected in the loop and processed again as a sorted copy (the input array is
 *   never mutated). Across calls events are processed in call order, which is how a later
 *   batch can carry late events. `replay` is `advance` of the whole log from the initial
 *   state, so it sees the log in (ts, id) order.
 * - Keys. An event's key is (ts, id). The cache's `first`/`last` are its smallest/largest key
 *   (not the first/last to arrive; arrival order is captured by the content hash). A
 *   partition's startTs/endTs/firstBehaviorId/lastBehaviorId come from those keys.
 * - Rules, checked per event in this order:
 *     before the event joins:  gap   (event.ts - cache.last.ts > maxGapMs)
 *                              span  (max(last.ts, ts) - min(first.ts, ts) > maxSpanMs)
 *       both only when the cache holds >= minCount events (default 1); the event then joins
 *       the fresh cache.
 *     after the event joins:   count (cache holds maxCount events; minCount does not apply)
 *                              drift (cache holds >= max(minSize, minCount) events, there is
 *                                     a previous partition, and JSD(cache, previous) >
 *                                     threshold). The drifting events are sealed with the
 *                                     cache: the cache cannot be split without its event
 *                                     list, and a partition that captures the start of the
 *                                     new interest is what the cascade should summarise.
 *   Gap and span are strict (">"): a gap of exactly maxGapMs does not seal.
 * - Late events. An event whose key is <= the largest key ever sealed ("older than the last
 *   sealed partition's end") never rewrites a sealed partition: it joins the open cache and
 *   is counted in `lateCount`. An event that is only out of order relative to the open cache
 *   (older than cache.last but newer than everything sealed) simply joins the cache and is
 *   NOT counted as late: nothing immutable was affected, it just lands in the right cache.
 * - Histogram. Each event adds `weight ?? 1` to each of its categories (categories are
 *   expected to be distinct within an event); with unit weights a value is "number of events
 *   tagged with the category". Weights must be finite and >= 0.
 * - State. `UserPartitionState` is small, JSON-serialisable and holds no event list: counts,
 *   keys, the (ordered) histogram, two uint32 hash lanes, late count, the previous partition's
 *   histogram for the drift rule, and the next sequence number. Advancing by one event is
 *   O(categories of that event), plus O(distinct categories in the cache) for the drift rule;
 *   never O(history). Histograms are stored as ordered [category, weight] pairs, not objects,
 *   because object key order is not preserved for integer-like keys and float sums must be
 *   replayed in exactly the same order for chunked ingestion to equal a one-shot replay.
 * - Duplicates. Ids are assumed unique (the behaviour table's primary key). Re-sending an
 *   already processed event would count it twice; de-duplication belongs to the ingestion
 *   cursor, which can use `state.cache.last` and `state.sealedUpTo`.
 */
import { z } from "zod";
import { HASH_SEED_A, HASH_SEED_B, finishContentHash } from "./ubsp-hash";

export { contentHashOfIds } from "./ubsp-hash";

// ---------------------------------------------------------------------------------------
// Types and schemas
// ---------------------------------------------------------------------------------------

/** One behaviour. `id` is unique; `ts` is epoch ms. */
export interface BehaviorEvent {
  id: number;
  ts: number;
  itemId: number;
  categories: readonly string[];
  weight?: number;
}

export const behaviorEventSchema = z.object({
  id: z.int().min(0),
  ts: z.number(),
  itemId: z.int(),
  categories: z.array(z.string()),
  weight: z.number().min(0).optional(),
});

export const driftRuleSchema = z.strictObject({
  /** Jensen-Shannon divergence (base 2, in [0, 1]) above which the cache is sealed. */
  threshold: z.number().min(0).lt(1),
  /** The rule is evaluated only once the cache holds at least this many events. */
  minSize: z.int().min(1),
});

export const partitionConfigSchema = z
  .strictObject({
    /** K: seal as soon as the cache holds K events. */
    maxCount: z.int().min(1).optional(),
    /** No gap/span/drift seal while the cache holds fewer events than this. */
    minCount: z.int().min(1).optional(),
    /** Seal before an event that comes more than this after the cache's last event. */
    maxGapMs: z.number().min(0).optional(),
    /** Seal before an event that would make the cache span more than this. */
    maxSpanMs: z.number().min(0).optional(),
    drift: driftRuleSchema.optional(),
  })
  .superRefine((c, ctx) => {
    if (c.maxCount === undefined && c.maxGapMs === undefined && c.maxSpanMs === undefined && c.drift === undefined) {
      ctx.addIssue({
        code: "custom",
        message: "set at least one sealing rule: maxCount, maxGapMs, maxSpanMs or drift",
      });
    }
    // These combinations parse but would silently disable a rule: the count rule seals at
    // maxCount first, so a cache never holds maxCount events when gap/span/drift are tested.
    const gated = c.maxGapMs !== undefined || c.maxSpanMs !== undefined || c.drift !== undefined;
    if (c.maxCount !== undefined && c.minCount !== undefined && gated && c.minCount >= c.maxCount) {
      ctx.addIssue({
        code: "custom",
        path: ["minCount"],
        message: "minCount must be less than maxCount, or gap/span/drift can never seal",
      });
    }
    if (c.maxCount !== undefined && c.drift !== undefined && c.drift.minSize >= c.maxCount) {
      ctx.addIssue({
        code: "custom",
        path: ["drift", "minSize"],
        message: "drift.minSize must be less than maxCount, or the drift rule can never fire",
      });
    }
  });

export type PartitionConfig = z.infer<typeof partitionConfigSchema>;
export type DriftRule = z.infer<typeof driftRuleSchema>;

export type SealReason = "count" | "gap" | "span" | "drift";

/** (ts, id): the order key of a behaviour. */
export interface EventKey {
  ts: number;
  id: number;
}

/** Ordered [category, weight] pairs (first-touch order). */
export type HistogramEntries = [category: string, weight: number][];

/** The open short-term cache, without its events. */
export interface OpenCacheState {
  count: number;
  /** Smallest (ts, id) in the cache, null when empty. */
  first: EventKey | null;
  /** Largest (ts, id) in the cache, null when empty. */
  last: EventKey | null;
  histogram: HistogramEntries;
  /** Sum of all histogram increments (kept, not recomputed, so float sums replay exactly). */
  mass: number;
  /** Content hash lanes (uint32) chained over ids in arrival order. */
  hash: [a: number, b: number];
  lateCount: number;
}

/** Per-user streaming state: O(categories), never O(history). Persist it as JSON. */
export interface UserPartitionState {
  version: 1;
  /** seq of the next partition to be sealed. */
  nextSeq: number;
  cache: OpenCacheState;
  /** Largest (ts, id) ever sealed: events at or below it are late. */
  sealedUpTo: EventKey | null;
  /** The previous sealed partition's histogram, for the drift rule. */
  previous: { histogram: HistogramEntries; mass: number } | null;
}

const eventKeySchema = z.object({ ts: z.number(), id: z.number() });
const histogramEntriesSchema = z.array(z.tuple([z.string(), z.number().min(0)]));

/** Validates a state loaded from storage (advance itself trusts its input for speed). */
export const userPartitionStateSchema = z.object({
  version: z.literal(1),
  nextSeq: z.int().min(0),
  cache: z.object({
    count: z.int().min(0),
    first: eventKeySchema.nullable(),
    last: eventKeySchema.nullable(),
    histogram: histogramEntriesSchema,
    mass: z.number().min(0),
    hash: z.tuple([z.int().min(0).max(0xffffffff), z.int().min(0).max(0xffffffff)]),
    lateCount: z.int().min(0),
  }),
  sealedUpTo: eventKeySchema.nullable(),
  previous: z.object({ histogram: histogramEntriesSchema, mass: z.number().min(0) }).nullable(),
}) satisfies z.ZodType<UserPartitionState>;

/** An immutable sealed partition. */
export interface Partition {
  /** 0-based position in the user's partition sequence. */
  seq: number;
  /** id of the partition's smallest (ts, id) event. */
  firstBehaviorId: number;
  /** id of the partition's largest (ts, id) event. */
  lastBehaviorId: number;
  startTs: number;
  endTs: number;
  count: number;
  /**
   * category -> sum of `weight ?? 1` of the partition's events tagged with it. A
   * prototype-less object (fast to build, safe for any category name): use Object.hasOwn.
   */
  categoryHistogram: Record<string, number>;
  sealReason: SealReason;
  /**
   * 16 hex chars identifying exactly which behaviours it holds: a chained hash of the ids in
   * arrival order, finalised with the count (see ubsp-hash.ts; `contentHashOfIds`).
   */
  contentHash: string;
  /** Events that arrived after a later partition had been sealed (see module doc). */
  lateCount: number;
  /**
   * Event time at which the seal became known: max(endTs, ts of the event that triggered
   * it). For gap/span seals that is the next event's ts. Use it for the anti-leakage rule
   * ("a sample at time t may only use partitions sealed before t").
   */
  sealedAtTs: number;
}

export interface AdvanceResult {
  state: UserPartitionState;
  /** Partitions sealed during this call, in seq order. */
  sealed: Partition[];
  /**
   * Only with `{ assignments: true }`: `assignments[i]` is the seq of the cache that
   * `events[i]` (input order) joined: a partition sealed in this call, or `state.nextSeq` for
   * events still in the open cache.
   */
  assignments?: Int32Array;
}

export interface AdvanceOptions {
  /** Also return which cache each event joined (costs nothing in the partitioning loop). */
  assignments?: boolean;
  /**
   * false: sealed partitions carry an empty (frozen) categoryHistogram. For callers that only
   * need sizes and content hashes (the what-if preview over a whole population): building the
   * histogram record is most of the cost of a seal. Default true.
   */
  histograms?: boolean;
}

export interface OpenCacheSummary {
  count: number;
  startTs: number | null;
  endTs: number | null;
  firstBehaviorId: number | null;
  lastBehaviorId: number | null;
  histogram: Record<string, number>;
  lateCount: number;
  /** seq the open cache will get when sealed. */
  nextSeq: number;
}

// ---------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------

export function initialState(): UserPartitionState {
  return {
    version: 1,
    nextSeq: 0,
    cache: emptyCache(),
    sealedUpTo: null,
    previous: null,
  };
}

/**
 * Feeds `events` (one user's) into `state`. Pure: neither `state` nor `events` is mutated.
 * Throws a ZodError for an invalid config and a RangeError for an event with a non-finite
 * ts or a negative/non-finite weight.
 */
export function advance(
  config: PartitionConfig,
  state: UserPartitionState,
  events: readonly BehaviorEvent[],
  options?: AdvanceOptions,
): AdvanceResult {
  const cfg = compileConfig(config);
  const wantAssignments = options?.assignments === true;
  const histograms = options?.histograms !== false;
  let machine = new Machine(cfg, state, histograms);
  /** Input index of the k-th processed event, when the batch had to be sorted. */
  let order: number[] | null = null;
  if (!machine.run(events)) {
    // Unsorted batch: start again from the (untouched) input state with a sorted copy.
    machine = new Machine(cfg, state, histograms);
    if (wantAssignments) {
      // Array.prototype.sort is stable, so this is the same order as sorting the events.
      order = events.map((_, i) => i).sort((x, y) => compareEvents(events[x]!, events[y]!));
      machine.run(order.map((i) => events[i]!));
    } else {
      machine.run([...events].sort(compareEvents));
    }
  }
  const result: AdvanceResult = { state: machine.toState(), sealed: machine.sealed };
  if (wantAssignments) result.assignments = assignSeqs(state, machine.sealed, events.length, order);
  return result;
}

/**
 * Which cache each processed event joined, derived after the fact: every event joins exactly
 * one cache, caches are sealed in processing order, and the first partition sealed in the call
 * also holds the events the input state's cache already had. So the k-th processed event
 * belongs to the partition whose (new-event) count range covers k, or to the open cache.
 */
function assignSeqs(
  input: UserPartitionState,
  sealed: readonly Partition[],
  n: number,
  order: readonly number[] | null,
): Int32Array {
  const out = new Int32Array(n);
  let seq = input.nextSeq;
  let j = 0;
  let room = sealed.length > 0 ? sealed[0]!.count - input.cache.count : Infinity;
  for (let k = 0; k < n; k++) {
    while (room === 0) {
      j++;
      seq++;
      room = j < sealed.length ? sealed[j]!.count : Infinity;
    }
    out[order === null ? k : order[k]!] = seq;
    room--;
  }
  return out;
}

/** One-shot: the whole log of one user, in (ts, id) order, from the initial state. */
export function replay(
  config: PartitionConfig,
  events: readonly BehaviorEvent[],
  options?: AdvanceOptions,
): AdvanceResult {
  return advance(config, initialState(), events, options);
}

/** What the UI shows for the open (unsealed) cache. */
export function openCacheSummary(state: UserPartitionState): OpenCacheSummary {
  const c = state.cache;
  return {
    count: c.count,
    startTs: c.first?.ts ?? null,
    endTs: c.last?.ts ?? null,
    firstBehaviorId: c.first?.id ?? null,
    lastBehaviorId: c.last?.id ?? null,
    histogram: entriesToRecord(c.histogram),
    lateCount: c.lateCount,
    nextSeq: state.nextSeq,
  };
}

export interface PartitionDiff {
  /** Partitions of b whose contentHash is also in a (their summaries can be reused). */
  shared: number;
  /** Partitions of b not in a: what switching from a to b would have to summarise. */
  onlyInB: number;
  /** Partitions of a not in b (summaries b would no longer use). */
  onlyInA: number;
}

/** Compares two partitionings (e.g. two configs) by contentHash. */
export function diffPartitions(
  a: readonly Pick<Partition, "contentHash">[],
  b: readonly Pick<Partition, "contentHash">[],
): PartitionDiff {
  const inA = new Set(a.map((p) => p.contentHash));
  const inB = new Set(b.map((p) => p.contentHash));
  let shared = 0;
  for (const p of b) if (inA.has(p.contentHash)) shared++;
  let onlyInA = 0;
  for (const h of inA) if (!inB.has(h)) onlyInA++;
  return { shared, onlyInB: b.length - shared, onlyInA };
}

export interface SummarisationCostOptions {
  promptTokensPerEvent: number;
  basePromptTokens: number;
  outputTokens: number;
  /** Price per million prompt tokens. */
  pricePerMTokIn: number;
  /** Price per million completion tokens. */
  pricePerMTokOut: number;
}

export interface SummarisationWork {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  /** In the currency of the prices. An estimate for planning; real calls are metered. */
  cost: number;
}

/** Estimated UIL work: one LLM call per partition (each summarised once per prompt version). */
export function estimateSummarisationWork(
  partitions: readonly Pick<Partition, "count">[],
  opts: SummarisationCostOptions,
): SummarisationWork {
  for (const [k, v] of Object.entries(opts)) {
    if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`${k} must be a finite number >= 0`);
  }
  let events = 0;
  for (const p of partitions) events += p.count;
  const calls = partitions.length;
  const promptTokens = calls * opts.basePromptTokens + events * opts.promptTokensPerEvent;
  const completionTokens = calls * opts.outputTokens;
  const cost = (promptTokens * opts.pricePerMTokIn + completionTokens * opts.pricePerMTokOut) / 1_000_000;
  return { calls, promptTokens, completionTokens, cost };
}

/**
 * Jensen-Shannon divergence (base 2, in [0, 1]) between two weighted histograms, each
 * normalised to a distribution. Returns 0 when either side has no mass (no evidence).
 * Reference implementation; the partitioner uses an equivalent indexed version.
 */
export function jensenShannonDivergence(
  p: Readonly<Record<string, number>>,
  q: Readonly<Record<string, number>>,
): number {
  let tp = 0;
  let tq = 0;
  for (const v of Object.values(p)) if (v > 0) tp += v;
  for (const v of Object.values(q)) if (v > 0) tq += v;
  if (tp <= 0 || tq <= 0) return 0;
  let acc = 0;
  const keys = new Set([...Object.keys(p), ...Object.keys(q)]);
  for (const k of keys) {
    const pv = Object.hasOwn(p, k) ? (p[k] ?? 0) : 0;
    const qv = Object.hasOwn(q, k) ? (q[k] ?? 0) : 0;
    const pi = pv > 0 ? pv / tp : 0;
    const qi = qv > 0 ? qv / tq : 0;
    const m = (pi + qi) / 2;
    if (pi > 0) acc += pi * Math.log2(pi / m);
    if (qi > 0) acc += qi * Math.log2(qi / m);
  }
  return Math.min(1, Math.max(0, acc / 2));
}

/** Total order of events: (ts, id). */
export function compareEvents(a: EventKey, b: EventKey): number {
  return a.ts - b.ts || a.id - b.id;
}

// ---------------------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------------------

function emptyCache(): OpenCacheState {
  return {
    count: 0,
    first: null,
    last: null,
    histogram: [],
    mass: 0,
    hash: [HASH_SEED_A >>> 0, HASH_SEED_B >>> 0],
    lateCount: 0,
  };
}

/** Config with disabled rules turned into values that make their test always false. */
interface CompiledConfig {
  maxCount: number;
  minCount: number;
  maxGapMs: number;
  maxSpanMs: number;
  driftOn: boolean;
  driftThreshold: number;
  driftMinSize: number;
}

function compileConfig(config: PartitionConfig): CompiledConfig {
  const c = partitionConfigSchema.parse(config);
  const minCount = c.minCount ?? 1;
  return {
    // Infinity: `count >= Infinity` and `gap > Infinity` are always false, so the hot loop
    // tests every rule without branching on whether it is enabled.
    maxCount: c.maxCount ?? Infinity,
    minCount,
    maxGapMs: c.maxGapMs ?? Infinity,
    maxSpanMs: c.maxSpanMs ?? Infinity,
    driftOn: c.drift !== undefined,
    driftThreshold: c.drift?.threshold ?? 1,
    driftMinSize: Math.max(c.drift?.minSize ?? 1, minCount),
  };
}

function entriesToRecord(entries: HistogramEntries): Record<string, number> {
  const out = dictionaryRecord();
  for (const [k, v] of entries) out[k] = v;
  return out;
}

/**
 * Histogram records are prototype-less objects (`Object.create(null)`), i.e. V8 dictionary
 * mode. Why: a plain `{}` gets a new hidden class for every new key order, and category sets
 * vary from partition to partition, so building histograms that way cost 3x more per seal
 * (and setting Object.prototype afterwards costs another hidden class per object: the count
 * rule measured 2.9M (plain) / 5.7M (null, then prototype) / 8.1M (null) events per CPU-s on
 * fresh data). It also makes any category name safe, "__proto__" and "toString" included.
 * They serialise, spread, Object.entries() and toEqual() like plain objects; use
 * Object.hasOwn(h, k) rather than h.hasOwnProperty(k).
 */
function dictionaryRecord(): Record<string, number> {
  return Object.create(null) as Record<string, number>;
}

const TWO_32 = 4294967296;

const LAZY: unique symbol = Symbol("liber.lazyHistogram");

/**
 * JSON of a partition's categoryHistogram, the same entries as JSON.stringify gives, but a
 * histogram not read yet is written from its pairs without building the record (JSON.stringify
 * through the Proxy costs ~30-70 us per partition: most of writing an import's partitions). The
 * key order may differ for integer-like category names (a record lists those first): equal as
 * JSON objects, and jsonb keeps no order anyway.
 */
export function histogramJson(histogram: Record<string, number>): string {
  const lazy = (histogram as { [LAZY]?: LazyHistogram })[LAZY];
  return lazy instanceof LazyHistogram && !lazy.filled ? lazy.json() : JSON.stringify(histogram);
}

/** What sealed partitions carry with `{ histograms: false }`. */
const NO_HISTOGRAM: Record<string, number> = Object.freeze(dictionaryRecord());

/**
 * The categoryHistogram of a sealed partition, filled on first use. Building a dictionary
 * record at every seal was most of the count rule's cost (~1.5 us per partition, and the
 * records kept the garbage collector busy), while bulk paths often never read it. A seal now
 * copies the (category, weight) pairs into two small arrays; the first operation on the record
 * (any read, key listing, JSON.stringify, spread, toEqual) fills the real prototype-less record
 * behind the proxy and every operation is forwarded to it, so it behaves exactly like the
 * record (one difference: a Proxy cannot go through structuredClone; spread it first).
 */
class LazyHistogram implements ProxyHandler<Record<string, number>> {
  filled = false;

  constructor(
    private readonly names: readonly string[],
    private readonly cats: number[],
    private readonly weights: number[],
  ) {}

  private fill(target: Record<string, number>): Record<string, number> {
    if (!this.filled) {
      this.filled = true;
      for (let k = 0; k < this.cats.length; k++) target[this.names[this.cats[k]!]!] = this.weights[k]!;
    }
    return target;
  }

  get(t: Record<string, number>, key: string | symbol, receiver: unknown) {
    if (key === LAZY) return this; // histogramJson's way in; does not fill
    return Reflect.get(this.fill(t), key, receiver);
  }

  /** The record's JSON from the pairs (keys in first-touch order; the record may list integer-like keys first). */
  json(): string {
    let out = "{";
    for (let k = 0; k < this.cats.length; k++) {
      out += `${k === 0 ? "" : ","}${JSON.stringify(this.names[this.cats[k]!])}:${JSON.stringify(this.weights[k])}`;
    }
    return `${out}}`;
  }
  set(t: Record<string, number>, key: string | symbol, value: unknown, receiver: unknown) {
    return Reflect.set(this.fill(t), key, value, receiver);
  }
  has(t: Record<string, number>, key: string | symbol) {
    return Reflect.has(this.fill(t), key);
  }
  deleteProperty(t: Record<string, number>, key: string | symbol) {
    return Reflect.deleteProperty(this.fill(t), key);
  }
  ownKeys(t: Record<string, number>) {
    return Reflect.ownKeys(this.fill(t));
  }
  getOwnPropertyDescriptor(t: Record<string, number>, key: string | symbol) {
    return Reflect.getOwnPropertyDescriptor(this.fill(t), key);
  }
  defineProperty(t: Record<string, number>, key: string | symbol, attributes: PropertyDescriptor) {
    return Reflect.defineProperty(this.fill(t), key, attributes);
  }
  preventExtensions(t: Record<string, number>) {
    return Reflect.preventExtensions(this.fill(t));
  }
  getPrototypeOf(t: Record<string, number>) {
    return Reflect.getPrototypeOf(t); // null (dictionaryRecord), and no need to fill for it
  }
}

/**
 * Working form of one user's state during an `advance` call.
 *
 * Performance notes (the goal is >= 10M events/s for the count and gap rules):
 * - the hot loop keeps the cache scalars in local variables and writes them back only when
 *   it seals (once per partition) or finishes;
 * - categories are interned to small integers (one keyed lookup per category, then an
 *   array add); a generation stamp tells whether a category is already in the cache, so
 *   nothing is cleared per event or per seal;
 * - the content hash steps are inlined (see ubsp-hash.ts for the reference functions);
 * - Partition objects and strings are only built at seal time. Measured (bench, K=50, ~15
 *   categories per partition): the loop alone runs at ~20M events/s; building each
 *   partition's histogram record (~1.5-4 us, and the garbage it leaves) was the larger part of
 *   the count rule's cost, so a seal copies two small arrays and the record is built on first
 *   use (LazyHistogram);
 * - the (ts, id) order of the batch is checked inside the loop: if the batch turns out to be
 *   unsorted, `run` returns false and `advance` restarts from the untouched input state with
 *   a sorted copy, so sorted input (the normal case) costs no extra pass.
 */
class Machine {
  readonly sealed: Partition[] = [];

  private readonly cfg: CompiledConfig;

  // Category interning (per call; rebuilt from the state's histograms). A prototype-less
  // object, not a Map: keyed loads of recurring strings hit V8's inline caches and measured
  // ~1.5x faster than Map.get; with no prototype, names like "__proto__" or "toString" are
  // ordinary keys.
  private readonly catIndex: Record<string, number> = Object.create(null) as Record<string, number>;
  private readonly catNames: string[] = [];
  // Indexed by category: plain double arrays, not typed arrays, because allocating three
  // typed arrays was a measurable part of a one-event `advance` call; element access in the
  // hot loop is as fast. Kept dense (every slot a number) so V8 keeps them PACKED_DOUBLE.
  private cacheW: number[] = [];
  private stamp: number[] = [];
  private prevW: number[] = [];
  private gen = 1;
  /** Cache categories in first-touch order (this order is persisted: see module doc). */
  private touched: number[] = [];
  private prevTouched: number[] = [];
  private hasPrev = false;
  private prevMass = 0;

  // Open cache scalars (authoritative outside `run`; `run` works on local copies).
  private count = 0;
  private firstTs = 0;
  private firstId = 0;
  private lastTs = 0;
  private lastId = 0;
  private mass = 0;
  private hashA = HASH_SEED_A | 0;
  private hashB = HASH_SEED_B | 0;
  private late = 0;

  // Sealed history.
  private nextSeq = 0;
  private hasSealed = false;
  private sealedTs = 0;
  private sealedId = 0;

  constructor(
    cfg: CompiledConfig,
    s: UserPartitionState,
    private readonly histograms = true,
  ) {
    this.cfg = cfg;
    const c = s.cache;
    this.count = c.count;
    if (c.first && c.last) {
      this.firstTs = c.first.ts;
      this.firstId = c.first.id;
      this.lastTs = c.last.ts;
      this.lastId = c.last.id;
    }
    this.mass = c.mass;
    this.hashA = c.hash[0] | 0;
    this.hashB = c.hash[1] | 0;
    this.late = c.lateCount;
    for (const [name, w] of c.histogram) {
      const idx = this.catIndex[name] ?? this.intern(name);
      this.stamp[idx] = this.gen;
      this.touched.push(idx);
      this.cacheW[idx] = w;
    }
    if (s.previous) {
      this.hasPrev = true;
      this.prevMass = s.previous.mass;
      for (const [name, w] of s.previous.histogram) {
        const idx = this.catIndex[name] ?? this.intern(name);
        this.prevTouched.push(idx);
        this.prevW[idx] = w;
      }
    }
    this.nextSeq = s.nextSeq;
    if (s.sealedUpTo) {
      this.hasSealed = true;
      this.sealedTs = s.sealedUpTo.ts;
      this.sealedId = s.sealedUpTo.id;
    }
  }

  /** Processes events in order. Returns false (and must be discarded) if they are unsorted. */
  run(events: readonly BehaviorEvent[]): boolean {
    const cfg = this.cfg;
    const maxCount = cfg.maxCount;
    const minCount = cfg.minCount;
    const maxGap = cfg.maxGapMs;
    const maxSpan = cfg.maxSpanMs;
    const driftOn = cfg.driftOn;
    const driftMin = cfg.driftMinSize;
    const driftThreshold = cfg.driftThreshold;
    const catIndex = this.catIndex;

    let count = this.count;
    let firstTs = this.firstTs;
    let firstId = this.firstId;
    let lastTs = this.lastTs;
    let lastId = this.lastId;
    let mass = this.mass;
    let a = this.hashA;
    let b = this.hashB;
    let late = this.late;
    let hasSealed = this.hasSealed;
    let sealedTs = this.sealedTs;
    let sealedId = this.sealedId;
    const stamp = this.stamp;
    const cacheW = this.cacheW;
    let touched = this.touched;
    let gen = this.gen;
    let prevTs = -Infinity;
    let prevId = -Infinity;

    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!;
      const ts = ev.ts;
      const id = ev.id;
      if (ts < prevTs || (ts === prevTs && id < prevId)) return false;
      prevTs = ts;
      prevId = id;
      const w = ev.weight === undefined ? 1 : ev.weight;
      // NaN fails both comparisons; one check keeps bad data from corrupting the order.
      if (!(ts > -Infinity && ts < Infinity) || !(w >= 0 && w < Infinity)) {
        throw new RangeError(`behaviour ${id}: ts must be finite, weight finite and >= 0`);
      }

      // Rules that seal the cache BEFORE the event joins it (minCount >= 1: cache not empty).
      if (count >= minCount) {
        let reason: SealReason | null = null;
        if (ts - lastTs > maxGap) reason = "gap";
        else if ((ts > lastTs ? ts : lastTs) - (ts < firstTs ? ts : firstTs) > maxSpan) {
          reason = "span";
        }
        if (reason !== null) {
          this.store(count, firstTs, firstId, lastTs, lastId, mass, a, b, late);
          this.seal(reason, ts);
          count = 0;
          mass = 0;
          late = 0;
          a = HASH_SEED_A | 0;
          b = HASH_SEED_B | 0;
          hasSealed = true;
          sealedTs = this.sealedTs;
          sealedId = this.sealedId;
          touched = this.touched;
          gen = this.gen;
        }
      }

      // Late: at or below the largest key ever sealed (tested after a pre-join seal moved it).
      if (hasSealed && (ts < sealedTs || (ts === sealedTs && id <= sealedId))) late++;

      // Join.
      if (count === 0) {
        firstTs = lastTs = ts;
        firstId = lastId = id;
      } else if (ts > lastTs || (ts === lastTs && id > lastId)) {
        lastTs = ts;
        lastId = id;
      } else if (ts < firstTs || (ts === firstTs && id < firstId)) {
        firstTs = ts;
        firstId = id;
      }
      count++;

      // Content hash: stepA/stepB of ubsp-hash.ts over the id's low and high words, inlined
      // because bundlers may turn cross-module calls into getters the JIT does not inline.
      const lo = id >>> 0;
      const hi = id > 0xffffffff ? Math.floor(id / TWO_32) | 0 : 0;
      let k = Math.imul(lo, 0xcc9e2d51);
      a ^= Math.imul((k << 15) | (k >>> 17), 0x1b873593);
      a = (Math.imul((a << 13) | (a >>> 19), 5) + 0xe6546b64) | 0;
      k = Math.imul(hi, 0xcc9e2d51);
      a ^= Math.imul((k << 15) | (k >>> 17), 0x1b873593);
      a = (Math.imul((a << 13) | (a >>> 19), 5) + 0xe6546b64) | 0;
      b = (b + Math.imul(lo, 0x85ebca77)) | 0;
      b = Math.imul((b << 13) | (b >>> 19), 0x9e3779b1);
      b = (b + Math.imul(hi, 0x85ebca77)) | 0;
      b = Math.imul((b << 13) | (b >>> 19), 0x9e3779b1);

      // Histogram.
      const cats = ev.categories;
      for (let j = 0; j < cats.length; j++) {
        const name = cats[j]!;
        let idx = catIndex[name];
        if (idx === undefined) idx = this.intern(name);
        if (stamp[idx] !== gen) {
          stamp[idx] = gen;
          touched.push(idx);
          cacheW[idx] = w;
        } else {
          cacheW[idx] = cacheW[idx]! + w;
        }
        mass += w;
      }

      // Rules that seal the cache once the event has joined it.
      let reason: SealReason | null = null;
      if (count >= maxCount) reason = "count";
      else if (driftOn && count >= driftMin && this.hasPrev) {
        if (this.drifted(mass, driftThreshold)) reason = "drift";
      }
      if (reason !== null) {
        this.store(count, firstTs, firstId, lastTs, lastId, mass, a, b, late);
        this.seal(reason, ts);
        count = 0;
        mass = 0;
        late = 0;
        a = HASH_SEED_A | 0;
        b = HASH_SEED_B | 0;
        hasSealed = true;
        sealedTs = this.sealedTs;
        sealedId = this.sealedId;
        touched = this.touched;
        gen = this.gen;
      }
    }
    this.store(count, firstTs, firstId, lastTs, lastId, mass, a, b, late);
    return true;
  }

  private store(
    count: number,
    firstTs: number,
    firstId: number,
    lastTs: number,
    lastId: number,
    mass: number,
    a: number,
    b: number,
    late: number,
  ): void {
    this.count = count;
    this.firstTs = firstTs;
    this.firstId = firstId;
    this.lastTs = lastTs;
    this.lastId = lastId;
    this.mass = mass;
    this.hashA = a;
    this.hashB = b;
    this.late = late;
  }

  /**
   * Is JSD(cache, previous partition) > threshold? JSD (base 2) never exceeds the total
   * variation distance, which needs no logarithm, so stable interests are usually cleared
   * by that bound alone (the 1e-12 margin keeps rounding from ever changing a decision).
   */
  private drifted(mass: number, threshold: number): boolean {
    const u = this.prevMass;
    if (mass <= 0 || u <= 0) return false;
    const touched = this.touched;
    const cacheW = this.cacheW;
    const prevW = this.prevW;
    const invP = 1 / mass;
    const invQ = 1 / u;
    let l1 = 0;
    let sharedQ = 0;
    for (let k = 0; k < touched.length; k++) {
      const idx = touched[k]!;
      const q = prevW[idx]! * invQ;
      const d = cacheW[idx]! * invP - q;
      l1 += d < 0 ? -d : d;
      sharedQ += q;
    }
    if ((l1 + 1 - sharedQ) / 2 <= threshold - 1e-12) return false;
    return this.divergence(mass) > threshold;
  }

  /**
   * JSD(cache, previous partition), base 2. Only the cache's touched categories are
   * visited: categories present only in the previous partition each contribute
   * Q_i * log2(2Q_i/Q_i) = Q_i, i.e. together 1 - (Q mass of the shared categories).
   */
  private divergence(mass: number): number {
    const u = this.prevMass;
    const touched = this.touched;
    const cacheW = this.cacheW;
    const prevW = this.prevW;
    let acc = 0;
    let sharedQ = 0;
    for (let k = 0; k < touched.length; k++) {
      const idx = touched[k]!;
      const p = cacheW[idx]! / mass;
      const qw = prevW[idx]!;
      if (qw > 0) {
        const q = qw / u;
        const s = p + q;
        sharedQ += q;
        if (p > 0) acc += p * Math.log2((2 * p) / s);
        acc += q * Math.log2((2 * q) / s);
      } else {
        acc += p;
      }
    }
    acc += 1 - sharedQ;
    const d = acc / 2;
    return d < 0 ? 0 : d > 1 ? 1 : d;
  }

  private intern(name: string): number {
    const idx = this.catNames.length;
    this.catNames.push(name);
    this.catIndex[name] = idx;
    this.cacheW.push(0);
    this.stamp.push(0);
    this.prevW.push(0);
    return idx;
  }

  private seal(reason: SealReason, triggerTs: number): void {
    const names = this.catNames;
    const cacheW = this.cacheW;
    const touched = this.touched;
    let histogram = NO_HISTOGRAM;
    if (this.histograms) {
      const n = touched.length;
      const cats = new Array<number>(n);
      const weights = new Array<number>(n);
      for (let k = 0; k < n; k++) {
        const idx = touched[k]!;
        cats[k] = idx;
        weights[k] = cacheW[idx]!;
      }
      histogram = new Proxy(dictionaryRecord(), new LazyHistogram(names, cats, weights));
    }
    const lastTs = this.lastTs;
    const lastId = this.lastId;
    this.sealed.push({
      seq: this.nextSeq,
      firstBehaviorId: this.firstId,
      lastBehaviorId: lastId,
      startTs: this.firstTs,
      endTs: lastTs,
      count: this.count,
      categoryHistogram: histogram,
      sealReason: reason,
      contentHash: finishContentHash(this.hashA, this.hashB, this.count),
      lateCount: this.late,
      sealedAtTs: triggerTs > lastTs ? triggerTs : lastTs,
    });
    this.nextSeq++;

    // Watermark for late events: the largest key ever sealed.
    if (!this.hasSealed || lastTs > this.sealedTs || (lastTs === this.sealedTs && lastId > this.sealedId)) {
      this.hasSealed = true;
      this.sealedTs = lastTs;
      this.sealedId = lastId;
    }

    // The sealed histogram becomes the drift baseline: clear the old one, copy the new one,
    // then swap the touched lists (the old baseline's list is reused for the next cache).
    const prevW = this.prevW;
    const oldPrev = this.prevTouched;
    for (let k = 0; k < oldPrev.length; k++) prevW[oldPrev[k]!] = 0;
    for (let k = 0; k < touched.length; k++) {
      const idx = touched[k]!;
      prevW[idx] = cacheW[idx]!;
    }
    this.prevTouched = touched;
    oldPrev.length = 0;
    this.touched = oldPrev;
    this.prevMass = this.mass;
    this.hasPrev = true;

    // Fresh cache. A new generation makes every stamp stale, so cacheW needs no clearing.
    this.gen++;
    this.store(0, 0, 0, 0, 0, 0, HASH_SEED_A | 0, HASH_SEED_B | 0, 0);
  }

  toState(): UserPartitionState {
    const names = this.catNames;
    const entries = (list: number[], weights: number[]): HistogramEntries =>
      list.map((idx) => [names[idx]!, weights[idx]!]);
    const empty = this.count === 0;
    return {
      version: 1,
      nextSeq: this.nextSeq,
      cache: {
        count: this.count,
        first: empty ? null : { ts: this.firstTs, id: this.firstId },
        last: empty ? null : { ts: this.lastTs, id: this.lastId },
        histogram: entries(this.touched, this.cacheW),
        mass: this.mass,
        hash: [this.hashA >>> 0, this.hashB >>> 0],
        lateCount: this.late,
      },
      sealedUpTo: this.hasSealed ? { ts: this.sealedTs, id: this.sealedId } : null,
      previous: this.hasPrev ? { histogram: entries(this.prevTouched, this.prevW), mass: this.prevMass } : null,
    };
  }
}
