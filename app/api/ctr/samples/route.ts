import { z } from "zod";
import { route } from "@/lib/auth/route";
import { ctrSamplesResponse } from "@/lib/ctr/server/samples-stream";

export const dynamic = "force-dynamic";

const query = z.object({
  config: z.string().trim().min(1).max(100).optional(),
  encoder: z.coerce.number().int().min(1).max(2_147_483_647).optional(),
  label: z.string().trim().min(1).max(200).default("rate>=4"),
  history: z.coerce.number().int().min(1).max(200).default(20),
  partitions: z.coerce.number().int().min(1).max(256).default(32),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  users: z.string().trim().max(20_000).optional(),
  allowLateEncoder: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional(),
  control: z.enum(["shuffled"]).optional(),
});

/** GET /api/ctr/samples?label=&history=&partitions=&from=&to=&users=&config=&encoder=&allowLateEncoder=&control=shuffled: CTR samples as Arrow IPC. */
export const GET = route({ access: "viewer", query }, async ({ query }) => ctrSamplesResponse(query));
