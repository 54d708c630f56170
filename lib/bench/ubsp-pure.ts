/**
 * UBSP throughput benchmark (pure part only; the database round trip is measured elsewhere).
 *
 * Run:  npx tsx -e "import('./lib/bench/ubsp-pure.ts').then(m => console.log(JSON.stringify(m.benchUbsp(), null, 2)))"
 *
 * The stream is synthetic and deterministic (mulberry32): a few users, sessions of a few
 * dozen events 30 s - 10 min apart separated by 8 h - 5 day breaks, 1-3 categories per event
 * drawn mostly from an interest set that changes every ~2,000 events (so the drift rule has
 * something to find). Each user's log is advanced in one call, as an initial backfill would.
 */
import {
  advance,
  initialState,
  replay,
  type BehaviorEvent,
  type PartitionConfig,
  type UserPartitionState,
} from "../liber/ubsp";
import { mulberry32 } from "../liber/random";

export interface BenchOptions {
  /** Total events over all users (default 5,000,000). */
  events?: number;
  users?: number;
  seed?: number;
  /** Interleaved timed repetitions per measurement; the best is reported (default 3). */
  repeats?: number;
  /** History sizes for the per-event latency measurement. */
  histories?: number[];
  /** Calls timed per history size (default 20,000). */
  latencyIterations?: number;
}

export interface ThroughputResult {
  /** Wall clock, best repetition. */
  eventsPerSec: number;
  /** Same run measured in process CPU time (includes GC threads); null outside Node. */
  eventsPerCpuSec: number | null;
  ms: number;
  partitions: number;
  /** eventsPerSec / bareLoop.eventsPerSec. */
  ratioToBareLoop: number;
}

export interface LatencyResult {
  history: number;
  /** JSON size of the saved state: should not grow with history. */
  stateBytes: number;
  /** advance(config, savedState, [nextEvent]) with the state already parsed. */
  advanceUs: number;
  /** JSON.parse(saved) + advance + JSON.stringify(new state): what a batch of 1 costs. */
  roundTripUs: number;
  /** For contrast: replaying the whole history + the event from scratch. */
  fullReplayUs: number;
}

export interface BenchResult {
  events: number;
  users: number;
  configs: Record<"countRule" | "gapRule" | "combined", PartitionConfig>;
  bareLoop: { eventsPerSec: number; eventsPerCpuSec: number | null; ms: number };
  countRule: ThroughputResult;
  gapRule: ThroughputResult;
  combined: ThroughputResult;
  latency: LatencyResult[];
  generateMs: number;
  node: string;
}

const GENRES = [
  "Action",
  "Adventure",
  "Animation",
  "Children",
  "Comedy",
  "Crime",
  "Documentary",
  "Drama",
  "Fantasy",
  "Film-Noir",
  "Horror",
  "IMAX",
  "Musical",
  "Mystery",
  "Romance",
  "Sci-Fi",
  "Thriller",
  "War",
  "Western",
  "Jazz",
  "Rock",
  "Pop",
  "Classical",
  "Hip-Hop",
] as const;

const HOUR = 3_600_000;

export const BENCH_CONFIGS = {
  countRule: { maxCount: 50 },
  gapRule: { maxGapMs: 2 * HOUR },
  combined: { maxCount: 50, maxGapMs: 2 * HOUR, drift: { threshold: 0.4, minSize: 20 } },
} satisfies Record<string, PartitionConfig>;

/** One sorted (ts, id) log per user; ids are globally unique like a behaviour table's. */
export function generateStreams(total: number, users: number, seed = 42): BehaviorEvent[][] {
  const rnd = mulberry32(seed);
  const pick = (): string => GENRES[Math.floor(rnd() * GENRES.length)]!;
  const perUser = Math.ceil(total / users);
  const streams: BehaviorEvent[][] = [];
  let nextId = 1;
  for (let u = 0; u < users && nextId <= total; u++) {
    const n = Math.min(perUser, total - nextId + 1);
    const events: BehaviorEvent[] = new Array(n);
    let ts = Date.UTC(2015, 0, 1) + Math.floor(rnd() * 30 * 24 * HOUR);
    let interests = [pick(), pick(), pick()];
    for (let i = 0; i < n; i++) {
      if (rnd() < 1 / 2000) interests = [pick(), pick(), pick()];
      ts +=
        rnd() < 1 / 40
          ? 8 * HOUR + Math.floor(rnd() * 112 * HOUR) // session break
          : 30_000 + Math.floor(rnd() * 570_000); // within a session
      const k = 1 + Math.floor(rnd() * 3);
      const categories: string[] = [];
      for (let j = 0; j < k; j++) {
        const c = rnd() < 0.8 ? interests[Math.floor(rnd() * 3)]! : pick();
        if (!categories.includes(c)) categories.push(c);
      }
      events[i] = {
        id: nextId++,
        ts,
        itemId: Math.floor(rnd() * 50_000),
        // Exact-size copy: a pushed-to array keeps spare capacity that a parsed row would not.
        categories: categories.slice(),
        weight: 1 + Math.floor(rnd() * 5),
      };
    }
    streams.push(events);
  }
  return streams;
}

/** CPU time of this process in ms when the runtime exposes it (Node), else null. */
function cpuMs(): number | null {
  const p = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }).process;
  if (!p?.cpuUsage) return null;
  const u = p.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface Timing<T> {
  ms: number;
  cpuMs: number | null;
  value: T;
}

function timed<T>(fn: () => T): Timing<T> {
  const c0 = cpuMs();
  const t0 = performance.now();
  const value = fn();
  const ms = performance.now() - t0;
  const c1 = cpuMs();
  return { ms, cpuMs: c0 === null || c1 === null ? null : c1 - c0, value };
}

function keepBest<T>(best: Timing<T> | undefined, t: Timing<T>): Timing<T> {
  return best === undefined || t.ms < best.ms ? t : best;
}

/** The baseline: a loop that reads every event's ts and counts gaps, nothing else. */
function bareLoop(streams: BehaviorEvent[][], gapMs: number): number {
  let n = 0;
  for (const events of streams) {
    let prev = events.length > 0 ? events[0]!.ts : 0;
    for (let i = 0; i < events.length; i++) {
      const ts = events[i]!.ts;
      if (ts - prev > gapMs) n++;
      prev = ts;
    }
  }
  return n;
}

function partitionAll(config: PartitionConfig, streams: BehaviorEvent[][]): number {
  let partitions = 0;
  for (const events of streams) partitions += advance(config, initialState(), events).sealed.length;
  return partitions;
}

function timePerCall(iterations: number, fn: () => unknown): number {
  for (let i = 0; i < Math.min(1000, iterations); i++) fn(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) fn();
  return ((performance.now() - t0) * 1000) / iterations;
}

export function measureAdvanceLatency(
  config: PartitionConfig,
  stream: readonly BehaviorEvent[],
  histories: number[],
  iterations: number,
): LatencyResult[] {
  return histories
    .filter((h) => h < stream.length)
    .map((history) => {
      const past = stream.slice(0, history);
      const next = [stream[history]!];
      const saved = JSON.stringify(replay(config, past).state);
      const state = JSON.parse(saved) as UserPartitionState;
      const advanceUs = timePerCall(iterations, () => advance(config, state, next));
      const roundTripUs = timePerCall(iterations, () =>
        JSON.stringify(advance(config, JSON.parse(saved) as UserPartitionState, next).state),
      );
      const withNext = stream.slice(0, history + 1);
      const fullIterations = Math.max(5, Math.floor(iterations / Math.max(1, history / 10)));
      const fullReplayUs = timePerCall(fullIterations, () => replay(config, withNext));
      return { history, stateBytes: saved.length, advanceUs, roundTripUs, fullReplayUs };
    });
}

export function benchUbsp(opts: BenchOptions = {}): BenchResult {
  const total = opts.events ?? 5_000_000;
  const users = opts.users ?? 8;
  const repeats = opts.repeats ?? 3;
  const t0 = performance.now();
  const streams = generateStreams(total, users, opts.seed ?? 42);
  const generateMs = performance.now() - t0;
  const n = streams.reduce((s, e) => s + e.length, 0);

  // Warm-up so every measured path is optimised before timing.
  const warm = streams.map((s) => s.slice(0, 20_000));
  bareLoop(warm, HOUR);
  for (const c of Object.values(BENCH_CONFIGS)) partitionAll(c, warm);

  // Interleaved repetitions, best of each: on a shared machine a slow repetition is
  // interference, not the code.
  type Name = "bare" | keyof typeof BENCH_CONFIGS;
  const best: Partial<Record<Name, Timing<number>>> = {};
  for (let r = 0; r < repeats; r++) {
    best.bare = keepBest(
      best.bare,
      timed(() => bareLoop(streams, BENCH_CONFIGS.gapRule.maxGapMs)),
    );
    for (const name of ["countRule", "gapRule", "combined"] as const) {
      best[name] = keepBest(
        best[name],
        timed(() => partitionAll(BENCH_CONFIGS[name], streams)),
      );
    }
  }
  const eps = (ms: number) => Math.round((n / ms) * 1000);
  const bare = best.bare!;
  const bareEps = eps(bare.ms);
  const rule = (name: keyof typeof BENCH_CONFIGS): ThroughputResult => {
    const t = best[name]!;
    const e = eps(t.ms);
    return {
      eventsPerSec: e,
      eventsPerCpuSec: t.cpuMs ? eps(t.cpuMs) : null,
      ms: t.ms,
      partitions: t.value,
      ratioToBareLoop: e / bareEps,
    };
  };
  const countRule = rule("countRule");
  const gapRule = rule("gapRule");
  const combined = rule("combined");
  const latency = measureAdvanceLatency(
    BENCH_CONFIGS.combined,
    streams[0] ?? [],
    opts.histories ?? [100, 1_000, 10_000],
    opts.latencyIterations ?? 20_000,
  );

  return {
    events: n,
    users: streams.length,
    configs: BENCH_CONFIGS,
    bareLoop: {
      eventsPerSec: bareEps,
      eventsPerCpuSec: bare.cpuMs ? eps(bare.cpuMs) : null,
      ms: bare.ms,
    },
    countRule,
    gapRule,
    combined,
    latency,
    generateMs,
    node: typeof process !== "undefined" ? process.version : "unknown",
  };
}
