import { z } from "zod";

// Request schemas of the UIF API (route handlers parse with these through route()).

const MAX_ID = 2_147_483_647;
const id = z.coerce.number().int().min(1).max(MAX_ID);

/** An instant as ISO 8601 or epoch milliseconds (digits only). */
export const instantSchema = z.union([z.string().trim().min(1).max(64), z.number()]).transform((value, ctx) => {
  const date = typeof value === "number" || /^-?\d+$/.test(value) ? new Date(Number(value)) : new Date(value);
  if (
    Number.isNaN(date.getTime()) ||
    (typeof value === "string" && !/^-?\d+$/.test(value) && !/^\d{4}-\d{2}-\d{2}/.test(value))
  ) {
    ctx.addIssue({ code: "custom", message: "must be an ISO 8601 date-time or epoch milliseconds" });
    return z.NEVER;
  }
  return date;
});

export const encoderRefSchema = z.union([z.literal("builtin"), z.literal("openai"), id]);
const configRef = z.union([z.literal("active"), id]);
const promptRef = z.union([z.literal("production"), id]);

const common = {
  encoder: encoderRefSchema.optional(),
  fusion: id.optional(),
  config: configRef.optional(),
  prompt: promptRef.optional(),
};

export const featuresQuery = z.object({
  asOf: instantSchema,
  ...common,
  vectors: z.enum(["json", "base64", "none"]).default("json"),
  /** List only the latest P partitions (the fused vector and weights still cover all). */
  limit: z.coerce.number().int().min(1).max(1_000_000).optional(),
});

export const vectorsQuery = z.object({
  asOf: instantSchema.optional(),
  ...common,
  top: z.coerce.number().int().min(1).max(64).default(16),
  offset: z.coerce.number().int().min(0).max(10_000_000).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});

export const neighboursQuery = z.object({ ...common, k: z.coerce.number().int().min(1).max(100).default(10) });

export const PROJECTIONS = ["pca", "umap"] as const;
export const COLORS = ["dominantCategory", "partitions", "events", "gender", "age", "occupation"] as const;

export const populationQuery = z.object({
  ...common,
  projection: z.enum(PROJECTIONS).default("pca"),
  color: z.enum(COLORS).default("dominantCategory"),
});

const userList = z
  .string()
  .max(200_000)
  .transform((s) =>
    s
      .split(",")
      .map((u) => u.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().min(1).max(500)).max(10_000));

export const exportQuery = z.object({
  asOf: instantSchema,
  format: z.enum(["csv", "jsonl", "npy", "parquet"]),
  users: userList.optional(),
  ...common,
});

export const encodersBody = z.discriminatedUnion("action", [
  z.strictObject({
    action: z.literal("fit"),
    asOf: instantSchema.optional(),
    dims: z.int().min(2).max(4096).optional(),
  }),
  z.strictObject({
    action: z.literal("encode"),
    encoder: encoderRefSchema.optional(),
    users: z.array(z.string().min(1).max(500)).max(10_000).optional(),
  }),
]);

export const fusionBody = z.strictObject({
  temperature: z.number().positive().max(1000),
  halfLifeDays: z.number().positive().max(1_000_000).nullable(),
  shiftWeight: z.number().min(0).max(10),
  note: z.string().max(500).optional(),
});
