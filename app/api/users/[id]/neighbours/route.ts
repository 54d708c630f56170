import { route } from "@/lib/auth/route";
import { getNeighbours } from "@/lib/uif/features";
import { neighboursQuery } from "@/lib/uif/schemas";
import { userPathParams } from "@/lib/users/schemas";

export const dynamic = "force-dynamic";

/** GET /api/users/{externalId}/neighbours?k=10: the k users with the most similar fused vectors (NeighboursResponse). */
export const GET = route(
  { access: "viewer", params: userPathParams, query: neighboursQuery },
  async ({ params, query }) => getNeighbours(params.id, query),
);
