import { route } from "@/lib/auth/route";
import { retryJobItems } from "@/lib/jobs/runs";
import { retryBody, runIdParams } from "@/lib/jobs/schemas";

export const dynamic = "force-dynamic";

/** POST /api/jobs/{id}/retry { users? }: retries the run's failed (and waiting) users now. */
export const POST = route({ access: "editor", params: runIdParams, body: retryBody }, async ({ params, body }) => ({
  run: await retryJobItems(params.id, body.users),
}));
