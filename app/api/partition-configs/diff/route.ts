import { route } from "@/lib/auth/route";
import { diffConfigs } from "@/lib/partitions/diff";
import { diffQuery } from "@/lib/partitions/schemas";

export const dynamic = "force-dynamic";

/** GET /api/partition-configs/diff?a=&b=: rule changes and stored partitions compared by content hash. */
export const GET = route({ access: "viewer", query: diffQuery }, async ({ query }) => diffConfigs(query.a, query.b));
