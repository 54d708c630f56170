import { route } from "@/lib/auth/route";
import { activateConfig } from "@/lib/partitions/configs";
import { configPathParams } from "@/lib/partitions/schemas";

export const dynamic = "force-dynamic";

/** POST /api/partition-configs/{id}/activate: moves the "active" label (what ingestion advances) here. */
export const POST = route({ access: "editor", params: configPathParams }, async ({ params }) => ({
  config: await activateConfig(params.id),
}));
