// Wire types of the partitions API (issue 4): what the route handlers return as JSON and what
// the screens read. Plain types only, so client components can import them without pulling in
// the database.
import type { PartitionConfig, SealReason } from "../liber/ubsp";

/** Dates travel as ISO 8601 strings (UTC). */
export type IsoDate = string;

/** One immutable version of a partition config, with its labels and what is stored for it. */
export interface PartitionConfigView {
  id: number;
  name: string;
  version: number;
  config: PartitionConfig;
  note: string | null;
  createdAt: IsoDate;
  /** Labels pointing at this version, e.g. ["active"]. */
  labels: string[];
  /** Sealed partitions stored under this version. */
  partitionCount: number;
  /** Users whose streaming state is stored under this version (computed users). */
  userCount: number;
}

/** The short form of a config that other answers embed. */
export interface PartitionConfigRef {
  id: number;
  name: string;
  version: number;
  config: PartitionConfig;
}

export interface CategoryShare {
  category: string;
  /** Weight of the category / total weight of the partition's histogram, in [0, 1]. */
  share: number;
}

/** A sealed partition as the API shows it (stored or previewed). */
export interface PartitionView {
  seq: number;
  firstBehaviorId: number;
  lastBehaviorId: number;
  startTs: IsoDate;
  endTs: IsoDate;
  /** Event time at which the seal became known (anti-leakage rule). */
  sealedAtTs: IsoDate;
  count: number;
  categoryHistogram: Record<string, number>;
  /** The heaviest categories, heaviest first (at most 3). */
  topCategories: CategoryShare[];
  sealReason: SealReason;
  contentHash: string;
  lateCount: number;
}

/** The open (unsealed) cache. */
export interface OpenCacheView {
  /** The seq it will get when sealed (GET .../partitions/{seq}/behaviors lists its events). */
  seq: number;
  count: number;
  startTs: IsoDate | null;
  endTs: IsoDate | null;
  categoryHistogram: Record<string, number>;
  lateCount: number;
}

export interface UserPartitions {
  config: PartitionConfigRef;
  /** One page (or time window) of the sealed partitions, in seq order. */
  partitions: PartitionView[];
  openCache: OpenCacheView | null;
  /** total: all sealed partitions of the user; nextFromSeq: the next page's fromSeq, null at the end. */
  page: { total: number; fromSeq: number; limit: number; returned: number; nextFromSeq: number | null };
  /**
   * The whole life at a glance, in at most OVERVIEW_BINS equal time bins (partitions and events
   * per bin): what a timeline brush is drawn over. Its size does not grow with the history.
   */
  overview: { startTs: IsoDate; endTs: IsoDate; partitions: number; events: number }[];
}

export interface PartitionBehavior {
  id: number;
  ts: IsoDate;
  kind: string;
  value: number | null;
  item: { externalId: string; title: string; categories: string[] };
}

/** The answer of POST /api/partition-configs/{id}/recompute. */
export interface RecomputeSummary {
  users: number;
  partitions: number;
  events: number;
  durationMs: number;
}

export interface ConfigChange {
  /** Dotted path, e.g. "maxCount" or "drift.threshold". */
  field: string;
  /** null: the rule is not set in that version. */
  a: number | null;
  b: number | null;
}

export interface ConfigDiff {
  a: PartitionConfigView;
  b: PartitionConfigView;
  changes: ConfigChange[];
  /** By content hash across all users (see diffPartitions in lib/liber/ubsp.ts). */
  partitions: { shared: number; onlyInA: number; onlyInB: number };
}

/** Prices and token assumptions for the LLM work estimate. */
export interface Pricing {
  /** $ per million prompt tokens. */
  inputPerMTok: number;
  /** $ per million completion tokens. */
  outputPerMTok: number;
  /** Prompt tokens per behaviour in a partition (item title, categories, rating). */
  tokensPerEvent: number;
  /** Fixed prompt tokens per call (instructions, profile, previous summary). */
  basePromptTokens: number;
  outputTokensPerCall: number;
}

export interface SizeBucket {
  min: number;
  max: number;
  count: number;
}

export interface PopulationPreview {
  users: number;
  events: number;
  /** Sealed partitions under the draft. */
  partitions: number;
  /** Partition sizes (events per sealed partition), equal-width buckets from 1 to the largest. */
  sizeHistogram: SizeBucket[];
  /** Draft partitions whose content hash is not among the active version's stored partitions. */
  differingFromActive: number;
  activeConfigId: number | null;
  /** LLM work to summarise the differing partitions (one call each). */
  estimate: { calls: number; promptTokens: number; completionTokens: number; cost: number };
}

export interface PreviewResult {
  user: { partitions: PartitionView[]; openCache: OpenCacheView | null } | null;
  population: PopulationPreview;
  /** Server time for the preview (the replay itself, plus the cache check). */
  durationMs: number;
}
