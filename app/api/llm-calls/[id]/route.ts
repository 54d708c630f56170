import { notFound } from "@/lib/api/errors";
import { route } from "@/lib/auth/route";
import { idParams } from "@/lib/summaries/schemas";
import { getLlmCall, visibleTo } from "@/lib/summaries/traces";

export const dynamic = "force-dynamic";

/** GET /api/llm-calls/{id}: one trace (rendered prompt, raw response, attempts, tokens, cost). */
export const GET = route({ access: "viewer", params: idParams }, async ({ params, caller }) => {
  const call = await getLlmCall(params.id);
  if (!call) throw notFound("LLM call");
  return { call: visibleTo(call, caller.role) };
});
