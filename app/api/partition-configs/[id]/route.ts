import { route } from "@/lib/auth/route";
import { requireConfig } from "@/lib/partitions/configs";
import { configPathParams } from "@/lib/partitions/schemas";

export const dynamic = "force-dynamic";

/** GET /api/partition-configs/{id | name@version | label}: one config version. */
export const GET = route({ access: "viewer", params: configPathParams }, async ({ params }) => ({
  config: await requireConfig(params.id),
}));
