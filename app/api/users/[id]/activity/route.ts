import { notFound } from "@/lib/api/errors";
import { route } from "@/lib/auth/route";
import { getUserActivity } from "@/lib/users/activity";
import { activityQuery, userPathParams } from "@/lib/users/schemas";

export const dynamic = "force-dynamic";

/** GET /api/users/{externalId}/activity?bucket=auto|day|week|month: events over time. */
export const GET = route(
  { access: "viewer", params: userPathParams, query: activityQuery },
  async ({ params, query }) => {
    const activity = await getUserActivity(params.id, query);
    if (!activity) throw notFound("User");
    return activity;
  },
);
