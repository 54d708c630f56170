import { route } from "@/lib/auth/route";
import { listJobItems } from "@/lib/jobs/runs";
import { listItemsQuery, runIdParams } from "@/lib/jobs/schemas";

export const dynamic = "force-dynamic";

/** GET /api/jobs/{id}/items?status=: the run's users (failed and retrying first) with their errors. */
export const GET = route(
  { access: "viewer", params: runIdParams, query: listItemsQuery },
  async ({ params, query }) => ({
    items: await listJobItems(params.id, query),
  }),
);
