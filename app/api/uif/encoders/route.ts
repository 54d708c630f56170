import { route } from "@/lib/auth/route";
import { listEncoders } from "@/lib/uif/encoding";
import { encodersBody } from "@/lib/uif/schemas";
import { runEncodersAction } from "@/lib/uif/service";

export const dynamic = "force-dynamic";

/** GET /api/uif/encoders: encoder versions and the configured openai encoder (EncodersResponse). */
export const GET = route({ access: "viewer" }, async () => listEncoders());

/** POST /api/uif/encoders { action: "fit", asOf?, dims? } | { action: "encode", encoder?, users? } (editor). */
export const POST = route({ access: "editor", body: encodersBody }, async ({ body, caller }) =>
  runEncodersAction(body, caller.name),
);
