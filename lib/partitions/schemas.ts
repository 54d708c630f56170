import { z } from "zod";
import { partitionConfigSchema } from "../liber/ubsp";
import type { Pricing } from "./contract";

/** Config names: what `name@version` references are made of. */
export const CONFIG_NAME_PATTERN = /^[a-z0-9_-]{1,64}$/;

export const configNameSchema = z.string().regex(CONFIG_NAME_PATTERN, "name must be 1-64 characters a-z, 0-9, _ or -");

/**
 * A reference to a config version: its id ("12"), "name@version" ("default@3"), or a label
 * ("active").
 */
export const configRefSchema = z.string().trim().min(1).max(100);

export const createConfigBody = z.object({
  name: configNameSchema,
  config: partitionConfigSchema,
  note: z.string().trim().max(2000).optional(),
});

export const configPathParams = z.object({ id: configRefSchema });

export const recomputeBody = z.object({
  /** External user ids; omitted: every user. */
  users: z.array(z.string().min(1).max(500)).min(1).max(100_000).optional(),
});

export const diffQuery = z.object({ a: configRefSchema, b: configRefSchema });

/** Defaults for the LLM work estimate: a small hosted model's list prices (USD). */
export const DEFAULT_PRICING: Pricing = {
  inputPerMTok: 0.15,
  outputPerMTok: 0.6,
  tokensPerEvent: 25,
  basePromptTokens: 400,
  outputTokensPerCall: 150,
};

const price = z.number().finite().min(0).max(1_000_000);

export const pricingSchema = z.object({
  inputPerMTok: price.default(DEFAULT_PRICING.inputPerMTok),
  outputPerMTok: price.default(DEFAULT_PRICING.outputPerMTok),
  tokensPerEvent: price.default(DEFAULT_PRICING.tokensPerEvent),
  basePromptTokens: price.default(DEFAULT_PRICING.basePromptTokens),
  outputTokensPerCall: price.default(DEFAULT_PRICING.outputTokensPerCall),
});

export const previewBody = z.object({
  config: partitionConfigSchema,
  /** External id of a user to preview in detail. */
  user: z.string().min(1).max(500).optional(),
  pricing: pricingSchema.optional(),
});

/** ?config=<id | name@version | label>, default the active version. */
/** Partitions per page of GET /api/users/{id}/partitions (lifelong users have thousands). */
export const PARTITION_PAGE_DEFAULT = 200;
export const PARTITION_PAGE_MAX = 1000;

export const userPartitionsQuery = z.object({
  config: configRefSchema.default("active"),
  /** The first seq of the page (default 0). */
  fromSeq: z.coerce.number().int().min(0).max(2_147_483_647).default(0),
  limit: z.coerce.number().int().min(1).max(PARTITION_PAGE_MAX).default(PARTITION_PAGE_DEFAULT),
  /** Only partitions that overlap [from, to] (ISO 8601): the window a timeline brush selects. */
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});
export type UserPartitionsQuery = z.infer<typeof userPartitionsQuery>;

export const partitionPathParams = z.object({
  id: z.string().min(1).max(500),
  seq: z.coerce.number().int().min(0).max(2_147_483_647),
});
