import { z } from "zod";
import { route } from "@/lib/auth/route";
import { ctrDataQuerySchema } from "@/lib/ctr/server/query";
import { ctrSamplesResponse } from "@/lib/ctr/server/samples-stream";

export const dynamic = "force-dynamic";

const query = ctrDataQuerySchema.extend({
  encoder: z.coerce.number().int().min(1).max(2_147_483_647).optional(),
  history: z.coerce.number().int().min(1).max(200).default(20),
  partitions: z.coerce.number().int().min(1).max(256).default(32),
  allowLateEncoder: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional(),
  control: z.enum(["shuffled"]).optional(),
});

/** GET /api/ctr/samples?label=&history=&partitions=&from=&to=&users=&config=&encoder=&allowLateEncoder=&control=shuffled: CTR samples as Arrow IPC. */
export const GET = route({ access: "viewer", query }, async ({ query }) => ctrSamplesResponse(query));
