import { route } from "@/lib/auth/route";
import { runCascadeBody } from "@/lib/summaries/schemas";
import { runUserCascade } from "@/lib/summaries/service";
import { userPathParams } from "@/lib/users/schemas";

export const dynamic = "force-dynamic";

/**
 * POST /api/users/{externalId}/summaries/run { config?, prompt? }: runs the user's cascade
 * (only partitions whose input hash has no summary) and answers the run's totals.
 */
export const POST = route(
  { access: "editor", params: userPathParams, body: runCascadeBody },
  async ({ params, body, caller }) => runUserCascade(params.id, { ...body, createdBy: caller.name }),
);
