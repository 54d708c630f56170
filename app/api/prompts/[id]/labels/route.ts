import { route } from "@/lib/auth/route";
import { setPromptLabel } from "@/lib/summaries/prompts";
import { idParams, labelBody } from "@/lib/summaries/schemas";

export const dynamic = "force-dynamic";

/** POST /api/prompts/{id}/labels { label }: moves the label (e.g. "production") to this version. */
export const POST = route({ access: "editor", params: idParams, body: labelBody }, async ({ params, body }) => ({
  prompt: await setPromptLabel(params.id, body.label),
}));
