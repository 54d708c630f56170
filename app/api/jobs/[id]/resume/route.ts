import { route } from "@/lib/auth/route";
import { resumeJobRun } from "@/lib/jobs/runs";
import { resumeBody, runIdParams } from "@/lib/jobs/schemas";

export const dynamic = "force-dynamic";

/** POST /api/jobs/{id}/resume { costCapUsd? }: resumes a paused (e.g. at its cost cap), failed or cancelled run. */
export const POST = route({ access: "editor", params: runIdParams, body: resumeBody }, async ({ params, body }) => ({
  run: await resumeJobRun(params.id, body.costCapUsd),
}));
