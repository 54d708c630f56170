import { route } from "@/lib/auth/route";
import { createJobRun, listJobRuns } from "@/lib/jobs/runs";
import { createRunBody, listRunsQuery } from "@/lib/jobs/schemas";

export const dynamic = "force-dynamic";

/** GET /api/jobs?limit=&status=: job runs, newest first, with their progress. */
export const GET = route({ access: "viewer", query: listRunsQuery }, async ({ query }) => ({
  runs: await listJobRuns(query),
}));

/** POST /api/jobs { scope, steps, config?, prompt?, encoder?, costCapUsd? }: queues a run (409 when the same one is active). */
export const POST = route({ access: "editor", body: createRunBody }, async ({ body, caller }) => ({
  run: await createJobRun(body, { createdBy: caller.name }),
}));
