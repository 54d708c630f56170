import { z } from "zod";
import { ITEM_STATUSES, RUN_STATUSES, STEP_NAMES } from "./types";

// Input of the jobs API, validated at the edge (app/api/jobs).

const externalId = z.string().trim().min(1).max(500);

export const runScopeSchema = z.union([
  z.strictObject({ all: z.literal(true) }),
  z.strictObject({ minEvents: z.int().min(1).max(100_000_000) }),
  z.strictObject({ users: z.array(externalId).min(1).max(100_000) }),
  z.strictObject({ pending: z.literal(true) }),
]);

export const createRunBody = z.strictObject({
  scope: runScopeSchema,
  steps: z.array(z.enum(STEP_NAMES)).min(1).max(STEP_NAMES.length),
  config: z.union([z.int().min(1), z.literal("active")]).optional(),
  prompt: z.union([z.int().min(1), z.literal("production")]).optional(),
  encoder: z.string().trim().min(1).max(200).nullable().optional(),
  costCapUsd: z.number().positive().max(1_000_000).nullable().optional(),
});

export const runIdParams = z.object({ id: z.coerce.number().int().min(1).max(2_147_483_647) });

export const listRunsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  status: z.enum(RUN_STATUSES).optional(),
});

export const listItemsQuery = z.object({
  status: z.enum(ITEM_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export const resumeBody = z.strictObject({ costCapUsd: z.number().positive().max(1_000_000).nullable().optional() });
export const retryBody = z.strictObject({ users: z.array(externalId).min(1).max(10_000).optional() });
