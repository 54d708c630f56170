import { route } from "@/lib/auth/route";
import { estimateRequest } from "@/lib/jobs/runs";
import { createRunBody } from "@/lib/jobs/schemas";

export const dynamic = "force-dynamic";

/** POST /api/jobs/estimate (same body as POST /api/jobs): partitions, calls after cache hits, tokens, cost, time. Starts nothing. */
export const POST = route({ access: "editor", body: createRunBody }, async ({ body }) => ({
  estimate: await estimateRequest(body),
}));
