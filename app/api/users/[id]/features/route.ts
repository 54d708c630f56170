import { route } from "@/lib/auth/route";
import { userFeaturesJson } from "@/lib/uif/features";
import { featuresQuery } from "@/lib/uif/schemas";
import { userPathParams } from "@/lib/users/schemas";

export const dynamic = "force-dynamic";

/**
 * GET /api/users/{externalId}/features?asOf=ISO|epoch-ms[&encoder=][&fusion=][&config=][&prompt=][&vectors=json|base64|none][&limit=P]:
 * the fused vector, attention weights and partition vectors from partitions sealed strictly
 * before asOf (UserFeatures in lib/uif/contract.ts). The body is written by lib/uif as JSON
 * text (cached per-partition pieces): re-serialising 2,000 vectors per request was most of
 * the latency at 1,000 partitions.
 */
export const GET = route(
  { access: "viewer", params: userPathParams, query: featuresQuery },
  async ({ params, query }) =>
    new Response(await userFeaturesJson(params.id, query), { headers: { "content-type": "application/json" } }),
);
