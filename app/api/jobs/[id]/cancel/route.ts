import { route } from "@/lib/auth/route";
import { cancelJobRun } from "@/lib/jobs/runs";
import { runIdParams } from "@/lib/jobs/schemas";

export const dynamic = "force-dynamic";

/** POST /api/jobs/{id}/cancel: stops the run; workers stop their calls at their next heartbeat. */
export const POST = route({ access: "editor", params: runIdParams }, async ({ params }) => ({
  run: await cancelJobRun(params.id),
}));
