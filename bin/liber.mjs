#!/usr/bin/env node
// The `liber` command. The CLI is TypeScript (lib/cli); tsx compiles it on the fly so the
// CLI and the server share one copy of lib/ with no separate build step.
import { register } from "tsx/esm/api";

process.env.NEXT_TELEMETRY_DISABLED ??= "1";
register();
// lib/ never imports app/: the route handler that `liber bench ingest` drives is handed in here.
const { provideBehaviorsRoute, provideFeaturesRoute } = await import("../lib/bench/handed-in.ts");
provideBehaviorsRoute(async () => (await import("../app/api/behaviors/route.ts")).POST);
provideFeaturesRoute(async () => (await import("../app/api/users/[id]/features/route.ts")).GET);
await import("../lib/cli/main.ts");
