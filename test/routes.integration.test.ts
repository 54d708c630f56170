import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it } from "vitest";
import type { Access } from "../lib/auth/route";
import { createAccount } from "../lib/auth/accounts";
import { createApiToken } from "../lib/auth/api-tokens";
import { SESSION_COOKIE } from "../lib/auth/cookie";
import { roleAllows, ROLES, type Role } from "../lib/auth/roles";
import { createSession } from "../lib/auth/sessions";
import { useTestDatabase } from "./db";

/**
 * Walks every route handler under app/ with every kind of caller and checks the access rules
 * of issue 3 against what each route declares through route() (`handler.access`):
 *   no credentials -> 401 (public routes excepted); a role below the declared access -> 403;
 *   at or above it -> neither 401 nor 403. Each is tried with a session cookie and with a
 *   bearer token. Mutating methods must need at least "editor" unless allow-listed.
 * Requests carry an invalid JSON body and dummy path params, so that a handler which gets
 * past the access check stops at validation or "not found" instead of changing anything.
 */
useTestDatabase();

const ROOT = path.resolve(import.meta.dirname, "..");
const APP = path.join(ROOT, "app");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const ORIGIN = "http://127.0.0.1:3000";
const DUMMY = "999999";

/** The only routes reachable without signing in: health and the sign-in flow. */
const PUBLIC_ROUTES = new Set([
  "GET /api/health",
  "POST /api/auth/sign-in",
  "POST /api/auth/sign-out",
  "POST /api/auth/setup",
]);

interface RouteFile {
  file: string;
  urlPath: string;
  params: Record<string, string | string[]>;
}

function discoverRoutes(dir: string): RouteFile[] {
  const found: RouteFile[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const abs = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...discoverRoutes(abs));
    else if (/^route\.(ts|tsx|js|mjs)$/.test(entry.name)) found.push(describeRoute(abs));
  }
  return found.sort((a, b) => a.urlPath.localeCompare(b.urlPath));
}

function describeRoute(file: string): RouteFile {
  const params: Record<string, string | string[]> = {};
  const segments: string[] = [];
  for (const seg of path.relative(APP, path.dirname(file)).split(path.sep).filter(Boolean)) {
    if (/^\(.*\)$/.test(seg) || seg.startsWith("@")) continue; // route groups and slots are not in the URL
    const dynamic = /^\[{1,2}(\.\.\.)?([^\]]+)\]{1,2}$/.exec(seg);
    if (!dynamic) {
      segments.push(seg);
      continue;
    }
    params[dynamic[2]!] = dynamic[1] ? [DUMMY] : DUMMY;
    segments.push(DUMMY);
  }
  return { file, urlPath: `/${segments.join("/")}`, params };
}

type Handler = ((
  req: NextRequest,
  ctx: { params: Promise<Record<string, string | string[]>> },
) => Promise<Response>) & {
  access?: Access;
};

async function call(
  route: RouteFile,
  method: string,
  handler: Handler,
  headers: Record<string, string>,
): Promise<number> {
  const req = new NextRequest(`${ORIGIN}${route.urlPath}`, {
    method,
    headers: {
      host: "127.0.0.1:3000",
      ...headers,
      ...(MUTATING.has(method) ? { "content-type": "application/json" } : {}),
    },
    body: MUTATING.has(method) ? "{not json" : undefined,
  });
  const res = await handler(req, { params: Promise.resolve(route.params) });
  await res.body?.cancel().catch(() => undefined); // streaming routes (progress events) must not keep running
  return res.status;
}

const routes = discoverRoutes(APP);
const accountIds = {} as Record<Role, number>;

beforeAll(async () => {
  for (const role of ROLES)
    accountIds[role] = (await createAccount({ name: `walker-${role}`, role, password: "walker-password" })).id;
});

// Fresh credentials per request: a route such as sign-out may end the session it is called with.
const credentials = {
  session: async (role: Role) => ({
    cookie: `${SESSION_COOKIE}=${(await createSession(accountIds[role])).token}`,
    origin: ORIGIN,
  }),
  token: async (role: Role) => ({
    authorization: `Bearer ${(await createApiToken({ name: `walker-${role}`, role, createdById: null })).token}`,
  }),
};

describe("route discovery", () => {
  it("finds the route handlers, including the auth ones", () => {
    const paths = routes.map((r) => r.urlPath);
    expect(paths).toEqual(
      expect.arrayContaining([
        "/api/health",
        "/api/auth/sign-in",
        "/api/auth/me",
        "/api/tokens",
        "/api/accounts/999999",
      ]),
    );
  });
});

describe.each(routes.map((r) => [r.urlPath, r] as const))("%s", (_urlPath, route) => {
  it("enforces its declared access for every caller", { timeout: 120_000 }, async () => {
    const mod = (await import(pathToFileURL(route.file).href)) as Record<string, unknown>;
    const exported = METHODS.filter((m) => typeof mod[m] === "function");
    expect(exported.length, `${route.file} exports no HTTP method`).toBeGreaterThan(0);

    for (const method of exported) {
      const handler = mod[method] as Handler;
      const key = `${method} ${route.urlPath}`;
      const access = handler.access;
      expect(access, `${key} is not wrapped in route() from lib/auth/route.ts`).toBeDefined();
      if (access === undefined) continue;

      if (access === "public") expect(PUBLIC_ROUTES.has(key), `${key} is public but not in the allow-list`).toBe(true);
      else if (MUTATING.has(method))
        expect(roleAllows(access, "editor"), `${key} mutates but needs only "${access}"`).toBe(true);

      const anonymous = await call(route, method, handler, {});
      if (access === "public") expect(anonymous, `${key} anonymous`).not.toBe(401);
      else expect(anonymous, `${key} anonymous`).toBe(401);

      for (const role of ROLES) {
        for (const kind of ["session", "token"] as const) {
          const status = await call(route, method, handler, await credentials[kind](role));
          const label = `${key} as ${role} (${kind}) -> ${status}`;
          if (access !== "public" && !roleAllows(role, access)) expect(status, label).toBe(403);
          else expect([401, 403], label).not.toContain(status);
        }
      }
    }
  });
});
