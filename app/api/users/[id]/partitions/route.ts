import { notFound } from "@/lib/api/errors";
import { route } from "@/lib/auth/route";
import { userPartitionsQuery } from "@/lib/partitions/schemas";
import { getUserPartitions } from "@/lib/partitions/views";
import { userPathParams } from "@/lib/users/schemas";

export const dynamic = "force-dynamic";

/** GET /api/users/{externalId}/partitions?config=<id | name@version | active>: sealed partitions and the open cache. */
export const GET = route({ access: "viewer", params: userPathParams, query: userPartitionsQuery }, async ({ params, query }) => {
  const result = await getUserPartitions(params.id, query.config);
  if (!result) throw notFound("User");
  return result;
});
