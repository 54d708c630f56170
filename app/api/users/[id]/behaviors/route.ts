import { notFound } from "@/lib/api/errors";
import { route } from "@/lib/auth/route";
import { listUserBehaviors } from "@/lib/users/behaviors";
import { behaviorPageQuery, userPathParams } from "@/lib/users/schemas";

export const dynamic = "force-dynamic";

/** GET /api/users/{externalId}/behaviors?page=&pageSize=: the log, newest first. */
export const GET = route(
  { access: "viewer", params: userPathParams, query: behaviorPageQuery },
  async ({ params, query }) => {
    const page = await listUserBehaviors(params.id, query);
    if (!page) throw notFound("User");
    return page;
  },
);
