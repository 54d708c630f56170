import type { RouteHandler } from "./ingest";

/** A GET handler as route() exports it (the features route of `liber bench uif`). */
export type GetRouteHandler = (
  req: import("next/server").NextRequest,
  ctx: { params: Promise<Record<string, string>> },
) => Promise<Response>;

/**
 * What the entry point (bin/liber.mjs) hands to the benchmarks: lib/ never imports app/, so the
 * POST /api/behaviors handler that `liber bench ingest` drives comes in from outside. No other
 * imports here, so that every CLI start stays cheap.
 */
let behaviorsRoute: (() => Promise<RouteHandler>) | null = null;

export function provideBehaviorsRoute(load: () => Promise<RouteHandler>): void {
  behaviorsRoute = load;
}

export function behaviorsRouteLoader(): (() => Promise<RouteHandler>) | null {
  return behaviorsRoute;
}

let featuresRoute: (() => Promise<GetRouteHandler>) | null = null;

/** GET /api/users/{id}/features, which `liber bench uif` times. */
export function provideFeaturesRoute(load: () => Promise<GetRouteHandler>): void {
  featuresRoute = load;
}

export function featuresRouteLoader(): (() => Promise<GetRouteHandler>) | null {
  return featuresRoute;
}
