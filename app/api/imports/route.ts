import { z } from "zod";
import { route } from "@/lib/auth/route";
import { IMPORT_STATUSES, listImportRuns } from "@/lib/ingest/runs";

export const dynamic = "force-dynamic";

const query = z.object({
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(25),
  source: z.string().trim().min(1).max(64).optional(),
  status: z.enum(IMPORT_STATUSES).optional(),
});

/** GET /api/imports?page=&pageSize=&source=&status=: import runs, newest first. */
export const GET = route({ access: "viewer", query }, async ({ query }) => listImportRuns(query));
