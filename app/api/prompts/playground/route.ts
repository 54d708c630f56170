import { route } from "@/lib/auth/route";
import { playgroundBody } from "@/lib/summaries/schemas";
import { runPlayground } from "@/lib/summaries/service";

export const dynamic = "force-dynamic";

/**
 * POST /api/prompts/playground { user, draft, config?, maxPartitions? }: the user's whole
 * cascade (first maxPartitions partitions) with the draft and with production, side by side.
 * Summaries are not saved; traces are (run kind "playground").
 */
export const POST = route({ access: "editor", body: playgroundBody }, async ({ body, caller }) =>
  runPlayground({ ...body, createdBy: caller.name }),
);
