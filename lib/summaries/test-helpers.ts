import { pool } from "../db/client";
import { OpenAiProvider, type OpenAiProviderOptions } from "../llm";
import { manualClock, reply, type RecordedRequest, type ScriptedReply, type TestLlmServer } from "../llm/test-server";
import { activateConfig, createConfigVersion } from "../partitions/configs";
import { recomputePartitions } from "../partitions/recompute";
import { ingest, insertItems, type TestEvent } from "../partitions/test-helpers";

// Test support for the UIL integration tests. Data goes in through the real ingestion path;
// providers point at the OpenAI-wire test server the test starts. Not for production use.

const DAY = 86_400_000;
const GENRES = [["Drama"], ["Comedy", "Romance"], ["Thriller", "Crime"], ["Animation", "Children"]];

/** Items "i0".."i{n-1}" with titles and rotating genres. */
export async function insertTestItems(n = 40): Promise<void> {
  await insertItems(
    Array.from({ length: n }, (_, i) => ({
      externalId: `i${i}`,
      title: `Movie ${i} (${1980 + (i % 40)})`,
      categories: GENRES[i % GENRES.length]!,
    })),
  );
}

/** `count` daily ratings of one user, starting at day `from` (of 2020), cycling through the items. */
export function userEvents(user: string, count: number, from = 0): TestEvent[] {
  return Array.from({ length: count }, (_, k) => ({
    user,
    item: `i${(from + k) % 40}`,
    ts: Date.UTC(2020, 0, 1) + (from + k) * DAY,
    kind: "rate",
    value: 1 + ((from + k) % 5),
  }));
}

/** Creates and activates a count-only config (K = maxCount); returns its id. */
export async function activateCountConfig(maxCount: number, name = `uil-k${maxCount}`): Promise<number> {
  const config = await createConfigVersion({ name, config: { maxCount } });
  await activateConfig(config.id);
  return config.id;
}

/** Ingests the events, then makes sure the active config's partitions are computed. */
export async function ingestAndPartition(events: TestEvent[], configId: number): Promise<void> {
  await ingest(events);
  await recomputePartitions(configId);
}

export async function partitionCount(configId: number, userId?: number): Promise<number> {
  const { rows } = await pool().query<{ n: number }>(
    `SELECT count(*)::int AS n FROM partitions WHERE config_id = $1 AND ($2::int IS NULL OR user_id = $2)`,
    [configId, userId ?? null],
  );
  return rows[0]!.n;
}

/** A valid interest summary answer that names the request it answers (n counts from 1). */
export function summaryReply(
  n: number,
  extra: Partial<{ usage: { prompt_tokens: number; completion_tokens: number } }> = {},
): ScriptedReply {
  return reply.json(
    {
      summary: `Summary number ${n}: likes drama.`,
      shift: n === 1 ? "First period." : `Shift ${n}.`,
      interests: [
        { label: "Drama", weight: 0.7 },
        { label: `Genre ${n}`, weight: 0.3 },
      ],
    },
    extra,
  );
}

/** Answers every request with a valid summary numbered by arrival. */
export const validAnswers = (_request: RecordedRequest, index: number): ScriptedReply => summaryReply(index + 1);

/** An OpenAI provider against the test server: fast backoff, waits that do not wait. */
export function testProvider(server: TestLlmServer, options: Partial<OpenAiProviderOptions> = {}): OpenAiProvider {
  return new OpenAiProvider({
    baseURL: server.baseURL,
    model: "gpt-4o-mini",
    timeoutMs: 2000,
    retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 50, maxRetryAfterMs: 60_000 },
    clock: manualClock(),
    random: () => 0.5,
    ...options,
  });
}

/** Requests that reached /chat/completions. */
export const chatRequests = (server: TestLlmServer) =>
  server.requests.filter((r) => r.path.endsWith("/chat/completions"));

export interface ChatBody {
  model: string;
  messages: { role: string; content: string }[];
  response_format?: { type: string; json_schema?: { name: string; strict: boolean; schema: unknown } };
  temperature?: number;
  max_tokens?: number;
}
