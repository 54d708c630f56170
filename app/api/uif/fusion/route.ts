import { route } from "@/lib/auth/route";
import { fusionBody } from "@/lib/uif/schemas";
import { createFusion, listFusions } from "@/lib/uif/service";

export const dynamic = "force-dynamic";

/** GET /api/uif/fusion: fusion configs (FusionConfigsResponse). */
export const GET = route({ access: "viewer" }, async () => listFusions());

/** POST /api/uif/fusion { temperature, halfLifeDays, shiftWeight, note? } (editor): the version of these params. */
export const POST = route({ access: "editor", body: fusionBody }, async ({ body, caller }) =>
  createFusion(
    { temperature: body.temperature, halfLifeDays: body.halfLifeDays, shiftWeight: body.shiftWeight },
    caller.name,
    body.note ?? null,
  ),
);
