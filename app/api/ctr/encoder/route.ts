import { route } from "@/lib/auth/route";
import { encoderStatusFor, fitEncoderFor } from "@/lib/ctr/server/encoder-service";
import { ctrDataQuerySchema } from "@/lib/ctr/server/query";

export const dynamic = "force-dynamic";

// The settings that decide the samples' validation cutoff (as GET /api/ctr/samples reads them).
const settings = ctrDataQuerySchema;

/** GET /api/ctr/encoder?label=&from=&to=&users=&config=: the leak-free encoder of these settings, if any. */
export const GET = route({ access: "viewer", query: settings }, async ({ query }) => encoderStatusFor(query));

/** POST /api/ctr/encoder {label, from?, to?, users?, config?}: fit the builtin encoder as of their validation cutoff. */
export const POST = route({ access: "editor", body: settings.strict() }, async ({ body, caller }) =>
  fitEncoderFor(body, caller.name),
);
