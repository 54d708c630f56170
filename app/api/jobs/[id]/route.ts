import { route } from "@/lib/auth/route";
import { getJobRun } from "@/lib/jobs/runs";
import { runIdParams } from "@/lib/jobs/schemas";

export const dynamic = "force-dynamic";

/** GET /api/jobs/{id}: one run with its settings, estimate and live progress. */
export const GET = route({ access: "viewer", params: runIdParams }, async ({ params }) => ({
  run: await getJobRun(params.id),
}));
