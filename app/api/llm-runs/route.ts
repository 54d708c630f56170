import { route } from "@/lib/auth/route";
import { runsQuery } from "@/lib/summaries/schemas";
import { listRuns } from "@/lib/summaries/traces";

export const dynamic = "force-dynamic";

/** GET /api/llm-runs?limit=50: the latest UIL runs with their totals, newest first. */
export const GET = route({ access: "viewer", query: runsQuery }, async ({ query }) => ({
  runs: await listRuns(query.limit),
}));
