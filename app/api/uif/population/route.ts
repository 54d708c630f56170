import { route } from "@/lib/auth/route";
import { getPopulation } from "@/lib/uif/features";
import { populationQuery } from "@/lib/uif/schemas";

export const dynamic = "force-dynamic";

/** GET /api/uif/population?projection=pca|umap&color=…: every user's fused vector in 2-D (PopulationResponse). */
export const GET = route({ access: "viewer", query: populationQuery }, async ({ query }) => getPopulation(query));
