import { z } from "zod";
import { promptDraftSchema } from "./prompts";

// Request schemas of the UIL API (route handlers parse with these through route()).

const MAX_ID = 2_147_483_647;
const id = z.coerce.number().int().min(1).max(MAX_ID);

/** A config version id or "active". */
export const configRefSchema = z.union([z.literal("active"), id]);
/** A prompt version id or "production". */
export const promptRefSchema = z.union([z.literal("production"), id]);

export const idParams = z.object({ id });

/** Summaries per page of GET /api/users/{id}/summaries (lifelong users have thousands of partitions). */
export const SUMMARY_PAGE_DEFAULT = 200;
export const SUMMARY_PAGE_MAX = 1000;

export const summariesQuery = z.object({
  config: configRefSchema.default("active"),
  prompt: promptRefSchema.default("production"),
  /** The first seq of the page (default 0) and its size. */
  fromSeq: z.coerce.number().int().min(0).max(2_147_483_647).default(0),
  limit: z.coerce.number().int().min(1).max(SUMMARY_PAGE_MAX).default(SUMMARY_PAGE_DEFAULT),
});

export const runCascadeBody = z.strictObject({
  config: configRefSchema.optional(),
  prompt: promptRefSchema.optional(),
});

export const runsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const diffQuery = z.object({ a: id, b: id });

export const labelBody = z.strictObject({ label: z.string().min(1).max(40) });

export const MAX_PLAYGROUND_PARTITIONS = 50;

export const playgroundBody = z.strictObject({
  user: z.string().min(1).max(500),
  draft: z.union([z.strictObject({ promptId: id }), promptDraftSchema]),
  config: configRefSchema.optional(),
  maxPartitions: z.int().min(1).max(MAX_PLAYGROUND_PARTITIONS).optional(),
});
