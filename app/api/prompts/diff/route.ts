import { route } from "@/lib/auth/route";
import { diffPromptVersions } from "@/lib/summaries/prompts";
import { diffQuery } from "@/lib/summaries/schemas";

export const dynamic = "force-dynamic";

/** GET /api/prompts/diff?a=<id>&b=<id>: line diff of system, user template and behaviour options. */
export const GET = route({ access: "viewer", query: diffQuery }, async ({ query }) =>
  diffPromptVersions(query.a, query.b),
);
