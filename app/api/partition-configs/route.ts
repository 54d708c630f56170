import { NextResponse } from "next/server";
import { route } from "@/lib/auth/route";
import { createConfigVersion, listConfigs } from "@/lib/partitions/configs";
import { createConfigBody } from "@/lib/partitions/schemas";

export const dynamic = "force-dynamic";

/** GET /api/partition-configs: every config version, newest first, with labels and stored counts. */
export const GET = route({ access: "viewer" }, async () => ({ configs: await listConfigs() }));

/** POST /api/partition-configs: writes the next version of a config name (versions are immutable). */
export const POST = route({ access: "editor", body: createConfigBody }, async ({ body, caller }) => {
  const config = await createConfigVersion({ ...body, createdById: caller.accountId });
  return NextResponse.json({ config }, { status: 201 });
});
