import { NextResponse, type NextRequest } from "next/server";
import { newNonce, pageCsp } from "./lib/api/security-headers";
import { SESSION_COOKIE } from "./lib/auth/cookie";
import { isSignInFlowPath, PATH_HEADER, signInUrl } from "./lib/auth/next-path";

/**
 * A cheap first filter for every request but static files:
 * - a path whose percent-encoding is broken (`/api/users/%ff`) is answered 400 here, as JSON,
 *   before Next.js fails to decode it (it answers a plain-text 500 in production);
 * - API routes then pass untouched (they answer 401 themselves, see lib/auth/route.ts);
 * - pages without a session cookie go to /signin?next=<path>. The cookie is not validated here
 *   (no database); the root layout does that on the server. Pages also get the requested path,
 *   which server components cannot read otherwise, and a Content-Security-Policy with a fresh
 *   nonce (on the request, where Next.js finds it for its scripts, and on the response).
 */
export function proxy(req: NextRequest) {
  const { pathname, search } = req.nextUrl;
  if (!decodable(pathname)) {
    return NextResponse.json(
      { error: { code: "bad_request", message: "The URL path is not valid percent-encoding (UTF-8)." } },
      { status: 400 },
    );
  }
  if (pathname.startsWith("/api/")) return NextResponse.next();
  const path = `${pathname}${search}`;
  if (!isSignInFlowPath(pathname) && !req.cookies.get(SESSION_COOKIE)?.value) {
    return NextResponse.redirect(new URL(signInUrl(path), req.url));
  }
  const csp = pageCsp(newNonce());
  const headers = new Headers(req.headers);
  headers.set(PATH_HEADER, path);
  headers.set("content-security-policy", csp);
  const res = NextResponse.next({ request: { headers } });
  res.headers.set("content-security-policy", csp);
  return res;
}

function decodable(pathname: string): boolean {
  try {
    decodeURIComponent(pathname);
    return true;
  } catch {
    return false;
  }
}

export const config = {
  // Everything but build assets and static files (those pass untouched).
  matcher: [
    "/((?!_next/|favicon\\.ico$|robots\\.txt$|.*\\.(?:png|jpe?g|gif|svg|ico|webp|css|js|map|txt|woff2?|wasm)$).*)",
  ],
};
