import type { RouteHandler } from "./ingest";

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
