import { notFound } from "../api/errors";
import { pool } from "../db/client";
import {
  estimateSummarisationWork,
  partitionConfigSchema,
  replay,
  type Partition,
  type PartitionConfig,
} from "../liber/ubsp";
import { findUserId } from "../users/profile";
import { populationStream, userEvents, userIndex } from "./population";
import { DEFAULT_PRICING } from "./schemas";
import type { Pricing, PreviewResult, SizeBucket } from "./contract";
import { openCacheView, partitionView } from "./views";
import { databaseUrl } from "../config";

/**
 * What-if: partitions a draft config would produce, without saving anything. One user in
 * detail, and the whole population in figures: partition sizes, how many partitions differ from
 * what the active version has stored (by content hash: those would need new LLM summaries) and
 * what summarising them would cost. Runs on the in-process copy of the log (population.ts), so
 * it is a pure replay.
 */
export async function previewConfig(input: {
  config: PartitionConfig;
  user?: string;
  pricing?: Partial<Pricing>;
}): Promise<PreviewResult> {
  const started = performance.now();
  const config = partitionConfigSchema.parse(input.config);
  const pricing = { ...DEFAULT_PRICING, ...input.pricing };
  const userId = input.user === undefined ? null : await findUserId(input.user);
  if (input.user !== undefined && userId === null) throw notFound(`User "${input.user}"`);
  const [stream, active] = await Promise.all([populationStream(), activeHashes()]);

  let user: PreviewResult["user"] = null;
  if (userId !== null) {
    const u = userIndex(stream, userId);
    const r = replay(config, u < 0 ? [] : userEvents(stream, u));
    user = { partitions: r.sealed.map(partitionView), openCache: openCacheView(r.state) };
  }

  const sizes: number[] = [];
  const differing: Pick<Partition, "count">[] = [];
  for (let u = 0; u < stream.users.length; u++) {
    const { sealed } = replay(config, userEvents(stream, u), { histograms: false });
    for (const p of sealed) {
      sizes.push(p.count);
      if (!active?.hashes.has(p.contentHash)) differing.push(p);
    }
  }
  const estimate = estimateSummarisationWork(differing, {
    promptTokensPerEvent: pricing.tokensPerEvent,
    basePromptTokens: pricing.basePromptTokens,
    outputTokens: pricing.outputTokensPerCall,
    pricePerMTokIn: pricing.inputPerMTok,
    pricePerMTokOut: pricing.outputPerMTok,
  });
  return {
    user,
    population: {
      users: stream.users.length,
      events: stream.events,
      partitions: sizes.length,
      sizeHistogram: sizeHistogram(sizes),
      differingFromActive: differing.length,
      activeConfigId: active?.configId ?? null,
      estimate,
    },
    durationMs: Math.round(performance.now() - started),
  };
}

const MAX_BUCKETS = 20;

/** Equal-width integer buckets from 1 to the largest size (one per size up to 20), empty ones included. */
export function sizeHistogram(sizes: readonly number[]): SizeBucket[] {
  if (sizes.length === 0) return [];
  let largest = 1;
  for (const s of sizes) if (s > largest) largest = s;
  const width = Math.max(1, Math.ceil(largest / MAX_BUCKETS));
  const buckets: SizeBucket[] = [];
  for (let min = 1; min <= largest; min += width)
    buckets.push({ min, max: Math.min(min + width - 1, largest), count: 0 });
  for (const s of sizes) buckets[Math.floor((Math.max(s, 1) - 1) / width)]!.count++;
  return buckets;
}

const hashCache = globalThis as unknown as {
  __liberActiveHashes?: { key: string; hashes: Set<string> };
};

/** Content hashes of the active version's stored partitions (cached until they change). */
async function activeHashes(): Promise<{ configId: number; hashes: Set<string> } | null> {
  const { rows } = await pool().query<{ id: number; key: string }>(
    `SELECT l.config_id AS id,
            (SELECT l.config_id || ':' || count(*) || ':' || coalesce(max(p.id), 0) FROM partitions p WHERE p.config_id = l.config_id) AS key
       FROM partition_config_labels l WHERE l.label = 'active'`,
  );
  const head = rows[0];
  if (!head) return null;
  const key = `${databaseUrl() ?? ""}|${head.key}`;
  const cached = hashCache.__liberActiveHashes;
  if (cached?.key === key) return { configId: head.id, hashes: cached.hashes };
  const { rows: hashes } = await pool().query<[string]>({
    text: `SELECT content_hash FROM partitions WHERE config_id = $1`,
    values: [head.id],
    rowMode: "array",
  });
  const set = new Set(hashes.map((h) => h[0]));
  hashCache.__liberActiveHashes = { key, hashes: set };
  return { configId: head.id, hashes: set };
}
