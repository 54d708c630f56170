import { route } from "@/lib/auth/route";
import { previewConfig } from "@/lib/partitions/preview";
import { previewBody } from "@/lib/partitions/schemas";

export const dynamic = "force-dynamic";

/** POST /api/partition-configs/preview { config, user?, pricing? }: what-if of a draft config; saves nothing. */
export const POST = route({ access: "editor", body: previewBody }, async ({ body }) => previewConfig(body));
