import { route } from "@/lib/auth/route";
import { summariesQuery } from "@/lib/summaries/schemas";
import { getUserSummaries } from "@/lib/summaries/service";
import { userPathParams } from "@/lib/users/schemas";

export const dynamic = "force-dynamic";

/**
 * GET /api/users/{externalId}/summaries?config=<id|active>&prompt=<id|production>: one entry
 * per sealed partition in seq order (status ok | failed | missing, stale flag), plus the
 * user's LLM usage over all runs.
 */
export const GET = route(
  { access: "viewer", params: userPathParams, query: summariesQuery },
  async ({ params, query }) => getUserSummaries(params.id, query),
);
