import { z } from "zod";
import { route } from "@/lib/auth/route";
import { ctrPartitionDetails } from "@/lib/ctr/server/partition-details";

export const dynamic = "force-dynamic";

const id = z.coerce.number().int().min(1).max(2_147_483_647);
const query = z.object({
  ids: z
    .string()
    .trim()
    .regex(/^\d+(,\d+)*$/, "comma-separated partition ids")
    .transform((s) => [...new Set(s.split(",").map(Number))])
    .pipe(z.array(z.number().int().min(1).max(2_147_483_647)).min(1).max(256)),
  encoder: id.optional(),
  prompt: id.optional(),
});

/**
 * GET /api/ctr/partitions?ids=1,2&encoder=&prompt=: the partitions a CTR model attended to, with
 * the summary (text, provider, model) that produced each one's vector and its sealed time.
 */
export const GET = route({ access: "viewer", query }, async ({ query }) => ({
  partitions: await ctrPartitionDetails(query.ids, {
    encoderVersionId: query.encoder ?? null,
    promptVersionId: query.prompt ?? null,
  }),
}));
