import { z } from "zod";
import { route } from "@/lib/auth/route";
import { listCtrRuns } from "@/lib/ctr/server/runs";

export const dynamic = "force-dynamic";

const query = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

/** GET /api/ctr/runs?limit=: saved CTR runs, newest first. */
export const GET = route({ access: "viewer", query }, async ({ query }) => ({ runs: await listCtrRuns(query.limit) }));
