import { z } from "zod";
import { notFound } from "@/lib/api/errors";
import { route } from "@/lib/auth/route";
import { getCtrRun } from "@/lib/ctr/server/runs";

export const dynamic = "force-dynamic";

const params = z.object({ id: z.coerce.number().int().min(1).max(2_147_483_647) });

/** GET /api/ctr/runs/{id}: one saved CTR run with settings, metrics and curves. */
export const GET = route({ access: "viewer", params }, async ({ params }) => {
  const run = await getCtrRun(params.id);
  if (!run) throw notFound(`CTR run ${params.id}`);
  return run;
});
