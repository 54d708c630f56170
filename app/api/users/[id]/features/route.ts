import { route } from "@/lib/auth/route";
import { getUserFeatures } from "@/lib/uif/features";
import { featuresQuery } from "@/lib/uif/schemas";
import { userPathParams } from "@/lib/users/schemas";

export const dynamic = "force-dynamic";

/**
 * GET /api/users/{externalId}/features?asOf=ISO|epoch-ms[&encoder=][&fusion=][&config=][&prompt=]:
 * the fused vector, attention weights and partition vectors from partitions sealed strictly
 * before asOf (UserFeatures in lib/uif/contract.ts).
 */
export const GET = route({ access: "viewer", params: userPathParams, query: featuresQuery }, async ({ params, query }) =>
  getUserFeatures(params.id, query),
);
