import { NextResponse } from "next/server";
import { route } from "@/lib/auth/route";
import { createPromptVersion, listPrompts, newPromptSchema } from "@/lib/summaries/prompts";

export const dynamic = "force-dynamic";

/** GET /api/prompts: every version of every prompt, newest first, with its labels. */
export const GET = route({ access: "viewer" }, async () => ({ prompts: await listPrompts() }));

/**
 * POST /api/prompts { name, system, userTemplate, behaviorOptions?, note? }: writes the next
 * version of the name (201). Unknown {{variables}} are a 422 listing the available ones.
 */
export const POST = route({ access: "editor", body: newPromptSchema }, async ({ body, caller }) =>
  NextResponse.json({ prompt: await createPromptVersion(body, caller.name) }, { status: 201 }),
);
