import { notFound } from "@/lib/api/errors";
import { route } from "@/lib/auth/route";
import { partitionPathParams, userPartitionsQuery } from "@/lib/partitions/schemas";
import { getPartitionBehaviors } from "@/lib/partitions/views";

export const dynamic = "force-dynamic";

/** GET /api/users/{externalId}/partitions/{seq}/behaviors?config=: the partition's (or open cache's) behaviours. */
export const GET = route(
  { access: "viewer", params: partitionPathParams, query: userPartitionsQuery },
  async ({ params, query }) => {
    const result = await getPartitionBehaviors(params.id, params.seq, query.config);
    if (!result) throw notFound("User");
    return result;
  },
);
