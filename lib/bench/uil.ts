import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import {
  builtinSummary,
  DEFAULT_BEHAVIOR_RENDER_OPTIONS,
  DEFAULT_PROMPT_TEMPLATES,
  estimateChatTokens,
  estimateTokens,
  renderBehaviors,
  renderPrompt,
  type BehaviorItem,
  type BehaviorRenderOptions,
  type PreviousSummary,
  type SummariseContext,
} from "../llm";
import {
  advance,
  initialState,
  partitionConfigSchema,
  type BehaviorEvent,
  type PartitionConfig,
  type UserPartitionState,
} from "../liber/ubsp";
import { behaviorItem, partitionProfile, type BehaviorRecord, type PartitionRecord } from "../summaries/context";

/**
 * `liber bench uil`: what incremental LIBER saves in LLM work, by pure computation (no
 * database, no HTTP). MovieLens is replayed as a stream in daily ticks (events grouped by
 * UTC day; at each tick every affected user gets that day's events) and two strategies are
 * priced with the same renderer and the same token estimator (lib/llm/tokens.ts):
 *
 *   incremental LIBER  UBSP seals partitions (count rule, K = 50 by default) and only a
 *                      newly sealed partition is summarised, with the production prompt
 *                      format: profile, the previous partition's summary (the built-in
 *                      provider's actual summary text) and the partition's items, with the
 *                      default item cap and token budget;
 *   full re-read       every update (a user with new events at a tick) re-summarises the
 *                      user's whole history: one prompt with all items so far, rendered the
 *                      same way but without the item cap or token budget.
 *
 * Full re-reads are priced without rendering the whole history at every tick: rendered
 * lines are independent (each is one line between line breaks, and the estimator never
 * merges across a line break), so the prompt's tokens are those of the prompt with no lines
 * plus the sum of the lines' tokens. Sampled updates are rendered in full and compared, and
 * the result reports whether every sample matched exactly.
 */

const DAY_MS = 86_400_000;

export interface UilBenchOptions {
  /** A MovieLens ml-latest(-small) folder (ratings.csv, movies.csv, tags.csv). */
  dataset: string;
  /** K of the count rule. Default 50. */
  maxCount?: number;
  /** Render every n-th full re-read in full to check the running sum. Default 500. */
  verifyEvery?: number;
  /** Also replay tags.csv (kind "tag"), as the importer does. Default true. */
  tags?: boolean;
  log?: (line: string) => void;
}

export interface StrategyCost {
  calls: number;
  promptTokens: number;
  meanPromptTokens: number;
  maxPromptTokens: number;
}

export interface UilBenchResult {
  dataset: string;
  events: number;
  users: number;
  /** Days with at least one event. */
  ticks: number;
  /** (user, tick) pairs: users with new events at a tick. */
  updates: number;
  partitionConfig: PartitionConfig;
  sealedPartitions: number;
  previousSummary: string;
  tokenEstimator: string;
  incremental: StrategyCost & { completionTokens: number };
  fullReread: StrategyCost;
  ratio: { promptTokens: number; calls: number };
  /** The goal of issue 5: at least this many times fewer prompt tokens. */
  goal: { promptTokenRatio: number; met: boolean };
  verification: { samples: number; exact: number; maxAbsDifference: number };
  machine: { cpus: number; node: string };
  durationMs: number;
}

interface ItemRow {
  title: string;
  categories: string[];
}

interface StreamEvent extends BehaviorEvent {
  user: string;
  record: BehaviorRecord;
}

function readCsv(file: string): string[][] {
  return parseCsv(fs.readFileSync(file, "utf8"), {
    from_line: 2,
    relax_quotes: true,
    skip_empty_lines: true,
  }) as string[][];
}

function loadStream(dir: string, withTags: boolean): { events: StreamEvent[]; users: number } {
  const items = new Map<string, ItemRow>();
  for (const [movieId, title, genres] of readCsv(path.join(dir, "movies.csv"))) {
    const categories = !genres || genres === "(no genres listed)" ? [] : genres.split("|");
    items.set(movieId!, { title: title ?? movieId!, categories });
  }
  const events: StreamEvent[] = [];
  let id = 0;
  const add = (user: string, movieId: string, ts: number, kind: string, value: number | null, text: string | null) => {
    const item = items.get(movieId) ?? { title: movieId, categories: [] };
    events.push({
      id: ++id,
      ts,
      itemId: Number(movieId),
      categories: item.categories,
      user,
      record: { ts, kind, value, text, title: item.title, categories: item.categories },
    });
  };
  for (const [user, movieId, rating, seconds] of readCsv(path.join(dir, "ratings.csv"))) {
    add(user!, movieId!, Number(seconds) * 1000, "rate", Number(rating), null);
  }
  const tagsFile = path.join(dir, "tags.csv");
  if (withTags && fs.existsSync(tagsFile)) {
    for (const [user, movieId, tag, seconds] of readCsv(tagsFile))
      add(user!, movieId!, Number(seconds) * 1000, "tag", null, tag ?? "");
  }
  events.sort((a, b) => a.ts - b.ts || a.id - b.id);
  return { events, users: new Set(events.map((e) => e.user)).size };
}

/** Per user: the partitioner's state, the open cache's events, the sealed partitions and the last summary. */
interface UserStream {
  state: UserPartitionState;
  open: StreamEvent[];
  partitions: PartitionRecord[];
  previous: PreviousSummary | null;
  /** Full re-read: every item so far, and the sum of their rendered lines' tokens. */
  history: BehaviorItem[];
  lineTokens: number;
  firstTs: number;
}

/** Sum of the tokens of the items' rendered lines (the renderer's own format, every item shown). */
function lineTokens(items: readonly BehaviorItem[], options: BehaviorRenderOptions): number {
  const text = renderBehaviors(items, {
    ...options,
    maxItems: items.length,
    tokenBudget: Number.MAX_SAFE_INTEGER,
  }).text;
  // Between the opening and the closing tag: the lines, joined by one line break (1 token) each.
  const lines = text.slice(text.indexOf("\n") + 1, text.lastIndexOf("\n"));
  return estimateTokens(lines) - (items.length - 1);
}

const digitTokens = (n: number) => Math.ceil(String(n).length / 3);

export function runUilBench(opts: UilBenchOptions): UilBenchResult {
  const started = performance.now();
  const log = opts.log ?? (() => {});
  const config = partitionConfigSchema.parse({ maxCount: opts.maxCount ?? 50 });
  const verifyEvery = opts.verifyEvery ?? 500;
  const templates = DEFAULT_PROMPT_TEMPLATES;
  // The full re-read keeps the line format (fields, title length) but drops the item cap and budget.
  const uncapped = { maxItems: Number.MAX_SAFE_INTEGER, tokenBudget: Number.MAX_SAFE_INTEGER };

  const { events, users } = loadStream(opts.dataset, opts.tags ?? true);
  log(`bench uil: ${events.length.toLocaleString("en")} events of ${users} users from ${opts.dataset}`);

  const streams = new Map<string, UserStream>();
  const incremental = { calls: 0, promptTokens: 0, maxPromptTokens: 0, completionTokens: 0 };
  const full = { calls: 0, promptTokens: 0, maxPromptTokens: 0 };
  const verification = { samples: 0, exact: 0, maxAbsDifference: 0 };
  let ticks = 0;
  let sealedPartitions = 0;

  const summarisePartition = (s: UserStream, members: StreamEvent[]) => {
    const seq = s.partitions.length;
    const record: PartitionRecord = {
      seq,
      contentHash: "",
      startTs: members[0]!.ts,
      endTs: members[members.length - 1]!.ts,
      count: members.length,
    };
    s.partitions.push(record);
    const context: SummariseContext = {
      profile: partitionProfile({}, s.partitions, seq),
      previous: s.previous,
      behaviors: members.map((m) => behaviorItem(m.record)),
      timeRange: { start: record.startTs, end: record.endTs },
      partitionIndex: seq,
    };
    const prompt = renderPrompt(context, { templates });
    const tokens = estimateChatTokens([
      { role: "system", content: prompt.system },
      { role: "user", content: prompt.user },
    ]);
    const summary = builtinSummary(context);
    incremental.calls++;
    incremental.promptTokens += tokens;
    incremental.maxPromptTokens = Math.max(incremental.maxPromptTokens, tokens);
    incremental.completionTokens += estimateTokens(JSON.stringify(summary));
    s.previous = { summary: summary.summary, interests: summary.interests };
    sealedPartitions++;
  };

  const fullReread = (s: UserStream, lastTs: number) => {
    const context: SummariseContext = {
      profile: partitionProfile(
        {},
        s.partitions.length > 0
          ? s.partitions
          : [{ seq: 0, contentHash: "", startTs: s.firstTs, endTs: lastTs, count: 0 }],
        0,
      ),
      previous: null,
      behaviors: [],
      timeRange: { start: s.firstTs, end: lastTs },
      partitionIndex: 0,
    };
    const empty = renderPrompt(context, { templates, behaviors: uncapped });
    const n = s.history.length;
    // The empty block says total="0" shown="0"; each line adds its tokens and one line break.
    const tokens =
      estimateChatTokens([
        { role: "system", content: empty.system },
        { role: "user", content: empty.user },
      ]) +
      2 * (digitTokens(n) - digitTokens(0)) +
      s.lineTokens +
      n;
    full.calls++;
    full.promptTokens += tokens;
    full.maxPromptTokens = Math.max(full.maxPromptTokens, tokens);

    if (full.calls % verifyEvery === 0) {
      const rendered = renderPrompt({ ...context, behaviors: s.history }, { templates, behaviors: uncapped });
      const exact = estimateChatTokens([
        { role: "system", content: rendered.system },
        { role: "user", content: rendered.user },
      ]);
      verification.samples++;
      if (exact === tokens) verification.exact++;
      verification.maxAbsDifference = Math.max(verification.maxAbsDifference, Math.abs(exact - tokens));
    }
  };

  const itemOptions: BehaviorRenderOptions = { ...DEFAULT_BEHAVIOR_RENDER_OPTIONS };
  for (let i = 0; i < events.length;) {
    const day = Math.floor(events[i]!.ts / DAY_MS);
    let j = i;
    const byUser = new Map<string, StreamEvent[]>();
    while (j < events.length && Math.floor(events[j]!.ts / DAY_MS) === day) {
      const e = events[j]!;
      let list = byUser.get(e.user);
      if (!list) byUser.set(e.user, (list = []));
      list.push(e);
      j++;
    }
    ticks++;
    for (const [user, dayEvents] of byUser) {
      let s = streams.get(user);
      if (!s) {
        s = {
          state: initialState(),
          open: [],
          partitions: [],
          previous: null,
          history: [],
          lineTokens: 0,
          firstTs: dayEvents[0]!.ts,
        };
        streams.set(user, s);
      }
      const r = advance(config, s.state, dayEvents, { assignments: true });
      const bySeq = new Map<number, StreamEvent[]>();
      dayEvents.forEach((e, k) => {
        const seq = r.assignments![k]!;
        let list = bySeq.get(seq);
        if (!list) bySeq.set(seq, (list = []));
        list.push(e);
      });
      r.sealed.forEach((p, k) => {
        const members = [...(k === 0 ? s.open : []), ...(bySeq.get(p.seq) ?? [])];
        summarisePartition(s, members);
      });
      s.open = [...(r.sealed.length > 0 ? [] : s.open), ...(bySeq.get(r.state.nextSeq) ?? [])];
      s.state = r.state;

      const items = dayEvents.map((e) => behaviorItem(e.record));
      s.history.push(...items);
      s.lineTokens += lineTokens(items, itemOptions);
      fullReread(s, dayEvents[dayEvents.length - 1]!.ts);
    }
    i = j;
  }

  const mean = (total: number, calls: number) => (calls === 0 ? 0 : Math.round(total / calls));
  const ratio = (a: number, b: number) => (b === 0 ? 0 : Math.round((a / b) * 10) / 10);
  const promptRatio = ratio(full.promptTokens, incremental.promptTokens);
  return {
    dataset: opts.dataset,
    events: events.length,
    users,
    ticks,
    updates: full.calls,
    partitionConfig: config,
    sealedPartitions,
    previousSummary:
      "the built-in provider's summary (builtin / liber-extractive-v1) of the previous partition, computed in the cascade",
    tokenEstimator: "lib/llm/tokens.ts estimateChatTokens over the rendered system and user messages",
    incremental: { ...incremental, meanPromptTokens: mean(incremental.promptTokens, incremental.calls) },
    fullReread: { ...full, meanPromptTokens: mean(full.promptTokens, full.calls) },
    ratio: { promptTokens: promptRatio, calls: ratio(full.calls, incremental.calls) },
    goal: { promptTokenRatio: 30, met: promptRatio >= 30 },
    verification,
    machine: { cpus: os.cpus().length, node: process.version },
    durationMs: Math.round(performance.now() - started),
  };
}
