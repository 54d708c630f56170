import { route } from "@/lib/auth/route";
import { llmSettingsInputSchema, publicLlmSettings, saveLlmSettings } from "@/lib/summaries/settings";

export const dynamic = "force-dynamic";

/** GET /api/settings/llm: provider, endpoint, model and limits; whether a key is set (never the key). */
export const GET = route({ access: "admin" }, async () => publicLlmSettings());

/** PUT /api/settings/llm: saves the settings (they override the LIBER_LLM_* defaults; the key stays in the environment). */
export const PUT = route({ access: "admin", body: llmSettingsInputSchema }, async ({ body, caller }) =>
  saveLlmSettings(body, caller.name),
);
