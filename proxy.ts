import { NextResponse, type NextRequest } from "next/server";
import { SESSION_COOKIE } from "./lib/auth/cookie";
import { isSignInFlowPath, PATH_HEADER, signInUrl } from "./lib/auth/next-path";

/**
 * A cheap first filter for page requests: no session cookie -> /signin?next=<path>. It does not
 * validate the cookie (no database here); the root layout and lib/auth/route.ts do that on the
 * server. It also hands the requested path to server components, which cannot read it otherwise.
 */
export function proxy(req: NextRequest) {
  const { pathname, search } = req.nextUrl;
  const path = `${pathname}${search}`;
  if (!isSignInFlowPath(pathname) && !req.cookies.get(SESSION_COOKIE)?.value) {
    return NextResponse.redirect(new URL(signInUrl(path), req.url));
  }
  const headers = new Headers(req.headers);
  headers.set(PATH_HEADER, path);
  return NextResponse.next({ request: { headers } });
}

export const config = {
  // Pages only: API routes answer 401 themselves; static files and assets pass untouched.
  matcher: ["/((?!api/|_next/|favicon\\.ico$|robots\\.txt$|.*\\.(?:png|jpe?g|gif|svg|ico|webp|css|js|map|txt|woff2?|wasm)$).*)"],
};
