import { notFound } from "@/lib/api/errors";
import { route } from "@/lib/auth/route";
import { userPartitionsQuery } from "@/lib/partitions/schemas";
import { getUserPartitions } from "@/lib/partitions/views";
import { userPathParams } from "@/lib/users/schemas";

export const dynamic = "force-dynamic";

/**
 * GET /api/users/{externalId}/partitions?config=<id | name@version | active>&fromSeq=&limit=&from=&to=:
 * a page of the sealed partitions (default 200, at most 1,000; optionally only those overlapping
 * [from, to]), the open cache, the page's position, and a binned overview of the whole life.
 */
export const GET = route(
  { access: "viewer", params: userPathParams, query: userPartitionsQuery },
  async ({ params, query }) => {
    const result = await getUserPartitions(params.id, query.config, query);
    if (!result) throw notFound("User");
    return result;
  },
);
