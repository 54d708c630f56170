import { NextResponse, type NextRequest } from "next/server";
import { z } from "zod";
import { roleAllows, type Role } from "./roles";
import { authenticate } from "./caller";
import type { Caller } from "./types";
import { ApiError, badRequest, forbidden, unauthorized, unprocessable, zodDetails } from "../api/errors";
import { readBodyCapped } from "../api/body";
import { assertJsonDepth } from "../api/json-depth";
import { findNul, NUL_MESSAGE, safeText, safeTexts } from "../api/nul";

/**
 * The one wrapper every route handler goes through: it authenticates the caller, checks the
 * role, parses params, query and JSON body with zod, and maps errors to HTTP
 * (ApiError -> its status, zod -> 422, anything else -> 500 with the message hidden).
 */
export type Access = Role | "public";

interface RouteSpec<A extends Access, P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  /** Who may call: "public" only for health and the sign-in flow. */
  access: A;
  params?: P;
  query?: Q;
  /** A zod schema for a JSON body, or "raw" to let the handler read the request itself. */
  body?: B | "raw";
}

export interface RouteContext<P, Q, B, C extends Caller | null = Caller | null> {
  req: NextRequest;
  /** Never null behind a role: the wrapper answered 401 before the handler runs. */
  caller: C;
  params: P;
  query: Q;
  body: B;
}

type Infer<T> = T extends z.ZodType ? z.infer<T> : undefined;
/** The caller a handler sees: anyone (maybe nobody) on public routes, a signed-in caller otherwise. */
type CallerFor<A extends Access> = A extends "public" ? Caller | null : Caller;

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function route<
  A extends Access,
  P extends z.ZodType = z.ZodType<undefined>,
  Q extends z.ZodType = z.ZodType<undefined>,
  B extends z.ZodType = z.ZodType<undefined>,
>(
  spec: RouteSpec<A, P, Q, B>,
  handler: (ctx: RouteContext<Infer<P>, Infer<Q>, Infer<B>, CallerFor<A>>) => Promise<Response | unknown>,
) {
  const wrapped = async (req: NextRequest, segment: { params: Promise<Record<string, string | string[]>> }) => {
    try {
      const rawParams = await segment.params;
      assertNoNulInUrl(req, rawParams);
      const caller = await authenticate(req, { mutating: MUTATING.has(req.method) });
      if (spec.access !== "public") {
        if (!caller) throw unauthorized();
        if (!roleAllows(caller.role, spec.access)) throw forbidden();
      }
      const params = spec.params ? parseOr422(spec.params, rawParams, "path") : undefined;
      const query = spec.query
        ? parseOr422(spec.query, Object.fromEntries(req.nextUrl.searchParams), "query")
        : undefined;
      let body: unknown = undefined;
      if (spec.body && spec.body !== "raw") {
        let json: unknown;
        try {
          // Capped read: a huge body is refused (413) before it is held in memory.
          const bytes = await readBodyCapped(req.body, req.headers.get("content-length"));
          assertJsonDepth(bytes);
          json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
        } catch (err) {
          if (err instanceof ApiError) throw err;
          throw badRequest("The request body is not valid JSON (in UTF-8).");
        }
        const nulAt = findNul(json);
        if (nulAt !== null) throw unprocessable("Invalid body.", [{ path: nulAt, message: NUL_MESSAGE }]);
        body = parseOr422(spec.body, json, "body");
      }
      const result = await handler({ req, caller, params, query, body } as RouteContext<
        Infer<P>,
        Infer<Q>,
        Infer<B>,
        CallerFor<A>
      >);
      if (result instanceof Response) return result;
      return NextResponse.json(result ?? { ok: true });
    } catch (err) {
      return errorResponse(err);
    }
  };
  // Declared access travels with the handler, so that test/routes.integration.test.ts can check every route.
  // ... and what it reads, so that test/hostile-input.integration.test.ts can throw bad bodies at every one.
  return Object.assign(wrapped, {
    access: spec.access,
    reads: spec.body === undefined ? "nothing" : spec.body === "raw" ? "raw" : "json",
  });
}

/**
 * U+0000 (%00) in a path segment or the query would reach PostgreSQL, which refuses it
 * (error 22021) with a 500: refused here for every route, before anything else runs.
 */
function assertNoNulInUrl(req: NextRequest, params: Record<string, string | string[]> | undefined): void {
  for (const [name, value] of Object.entries(params ?? {})) {
    if ([value].flat().some((v) => v.includes("\u0000")))
      throw badRequest(`The path parameter ${name} ${NUL_MESSAGE}.`);
  }
  for (const [name, value] of req.nextUrl.searchParams) {
    if (name.includes("\u0000") || value.includes("\u0000")) {
      throw badRequest(`The query parameter ${safeText(name)} ${NUL_MESSAGE}.`);
    }
  }
}

function parseOr422<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw unprocessable(`Invalid ${where}.`, zodDetails(parsed.error));
  return parsed.data;
}

export function errorResponse(err: unknown): Response {
  if (err instanceof ApiError) {
    return NextResponse.json(
      // Messages and details may quote the input: returned in the same safe form as stored.
      {
        error: { code: err.code, message: safeText(err.message), details: safeTexts(err.details) },
        ...safeTexts(err.extra),
      },
      { status: err.status },
    );
  }
  if (err instanceof z.ZodError) {
    return NextResponse.json(
      { error: { code: "unprocessable", message: "Invalid input.", details: safeTexts(zodDetails(err)) } },
      { status: 422 },
    );
  }
  // Log the cause server-side; never send internals (or secrets inside messages) to the client.
  console.error("[api] unhandled error:", err instanceof Error ? err.stack : err);
  return NextResponse.json({ error: { code: "internal", message: "Internal server error." } }, { status: 500 });
}
