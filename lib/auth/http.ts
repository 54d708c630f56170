import { NextResponse, type NextRequest } from "next/server";
import { ApiError, forbidden } from "../api/errors";
import { SESSION_COOKIE, sessionCookieOptions } from "./cookie";
import { isSameOrigin } from "./origin";
import { fromTrustedProxy, isHttpsRequest } from "./request";

/** Route-handler helpers for the sign-in flow (cookies and responses). */

export function assertSameOrigin(req: NextRequest): void {
  if (!isSameOrigin(req.headers, req.nextUrl.host, fromTrustedProxy(req.headers))) {
    throw forbidden("Cross-site request refused: the Origin is not this app.");
  }
}

export function setSessionCookie(res: NextResponse, req: NextRequest, token: string, expiresAt: Date): NextResponse {
  res.cookies.set(
    SESSION_COOKIE,
    token,
    sessionCookieOptions(isHttpsRequest(req.url, req.headers), expiresAt.getTime() - Date.now()),
  );
  return res;
}

export function clearSessionCookie(res: NextResponse, req: NextRequest): NextResponse {
  res.cookies.set(SESSION_COOKIE, "", sessionCookieOptions(isHttpsRequest(req.url, req.headers), 0));
  return res;
}

export const wrongCredentials = () => new ApiError(401, "wrong_credentials", "Wrong name or password.");

export function tooManyAttemptsMessage(retryAfterSeconds: number): string {
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return `Too many attempts, try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
}

export function tooManyAttempts(retryAfterSeconds: number): NextResponse {
  return NextResponse.json(
    { error: { code: "rate_limited", message: tooManyAttemptsMessage(retryAfterSeconds), retryAfterSeconds } },
    { status: 429, headers: { "Retry-After": String(retryAfterSeconds) } },
  );
}
