import { pool } from "../db/client";
import { BehaviorLoader } from "../ingest/loader";
import { EventBatch } from "../ingest/records";
import { getUserPartitions } from "../partitions/views";
import { ensureDefaultPrompt } from "../summaries/prompts";
import { getUserSummaries } from "../summaries/service";

/**
 * A lifelong user in the API (issue 10, item 5): one user with `events` behaviours over ten
 * years (the active config seals ~1 partition per 50), then the first page of
 * GET /api/users/{id}/partitions and /summaries, timed through the functions the route handlers
 * call (database and serialisation included, HTTP and auth not): p50/p95 and the JSON size.
 * Summaries are all "missing" here (no LLM ran); the chain and staleness still run over the
 * whole life.
 */
export interface LifelongBenchResult {
  events: number;
  partitions: number;
  calls: number;
  partitionsApi: { p50Ms: number; p95Ms: number; bytes: number; returned: number };
  summariesApi: { p50Ms: number; p95Ms: number; bytes: number; returned: number };
  goal: { p95Ms: number; met: boolean };
}

export async function runLifelongBench(opts: {
  events?: number;
  calls?: number;
  log: (line: string) => void;
}): Promise<LifelongBenchResult> {
  const events = opts.events ?? 50_000;
  const calls = opts.calls ?? 40;
  const user = "lifelong-bench";
  await pool().query(
    `INSERT INTO items (external_id, title, categories)
     SELECT 'lifelong-' || g, 'Item ' || g, ARRAY['c' || (g % 17), 'd' || (g % 5)] FROM generate_series(1, 500) g
     ON CONFLICT (external_id) DO NOTHING`,
  );
  const loader = await BehaviorLoader.open(pool(), { unknownItems: "reject", unknownUsers: "create" });
  try {
    const batch = new EventBatch();
    const start = Date.UTC(2015, 0, 1);
    const step = Math.floor((10 * 365 * 86_400_000) / events);
    for (let i = 0; i < events; i++) {
      batch.add(
        {
          user,
          item: `lifelong-${1 + ((i * 7919) % 500)}`,
          tsMs: start + i * step,
          kind: "play",
          value: null,
          text: null,
          source: "lifelong",
          sourceEventId: `l${i}`,
        },
        { file: 0, line: i },
      );
    }
    await loader.loadEvents(batch);
    await loader.commit();
  } catch (err) {
    await loader.rollback();
    throw err;
  }
  await ensureDefaultPrompt();
  const partitions = (
    await pool().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM partitions p JOIN users u ON u.id = p.user_id WHERE u.external_id = $1`,
      [user],
    )
  ).rows[0]!.n;
  opts.log(`lifelong user: ${events} events, ${partitions} partitions`);

  const time = async (fn: () => Promise<{ bytes: number; returned: number }>) => {
    await fn(); // warm-up
    const ms: number[] = [];
    let last = { bytes: 0, returned: 0 };
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now();
      last = await fn();
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    const pct = (q: number) => Number(ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]!.toFixed(1));
    return { p50Ms: pct(0.5), p95Ms: pct(0.95), ...last };
  };
  const partitionsApi = await time(async () => {
    const r = (await getUserPartitions(user))!;
    return { bytes: JSON.stringify(r).length, returned: r.partitions.length };
  });
  const summariesApi = await time(async () => {
    const r = await getUserSummaries(user, {});
    return { bytes: JSON.stringify(r).length, returned: r.summaries.length };
  });
  opts.log(
    `lifelong partitions API p95 ${partitionsApi.p95Ms} ms (${partitionsApi.bytes} bytes), summaries API p95 ${summariesApi.p95Ms} ms (${summariesApi.bytes} bytes)`,
  );
  return {
    events,
    partitions,
    calls,
    partitionsApi,
    summariesApi,
    goal: { p95Ms: 50, met: partitionsApi.p95Ms < 50 && summariesApi.p95Ms < 50 },
  };
}
