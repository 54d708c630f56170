import { route } from "@/lib/auth/route";
import { getUserVectors } from "@/lib/uif/features";
import { vectorsQuery } from "@/lib/uif/schemas";
import { userPathParams } from "@/lib/users/schemas";

export const dynamic = "force-dynamic";

/** GET /api/users/{externalId}/vectors: heatmap columns (top dimensions), drift and weights, windowed (UserVectors). */
export const GET = route({ access: "viewer", params: userPathParams, query: vectorsQuery }, async ({ params, query }) =>
  getUserVectors(params.id, { ...query, asOf: query.asOf ?? new Date() }),
);
