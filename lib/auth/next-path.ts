/**
 * Where to send someone after sign-in. Only same-site absolute paths are accepted, so that a
 * crafted link (`/signin?next=https://evil.example`) cannot turn sign-in into an open redirect.
 */
export function safeNextPath(next: string | null | undefined, fallback = "/"): string {
  if (!next || next.length > 2048) return fallback;
  // "//host" and "/\host" are protocol-relative URLs to browsers; control characters are
  // stripped by URL parsers, which could turn "/\t/host" into "//host".
  if (!next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return fallback;
  if (/[\u0000-\u001f\u007f\\]/.test(next)) return fallback;
  let resolved: URL;
  try {
    resolved = new URL(next, "http://liber.invalid");
  } catch {
    return fallback;
  }
  if (resolved.origin !== "http://liber.invalid") return fallback;
  const path = `${resolved.pathname}${resolved.search}${resolved.hash}`;
  // Dot segments can collapse into a protocol-relative result: "/..//host" -> "//host".
  if (path.startsWith("//")) return fallback;
  // Never bounce back into the sign-in flow itself.
  if (isSignInFlowPath(resolved.pathname)) return fallback;
  return path;
}

/** Pages that are reachable without a session. */
export function isSignInFlowPath(pathname: string): boolean {
  return (
    pathname === "/signin" || pathname.startsWith("/signin/") || pathname === "/setup" || pathname.startsWith("/setup/")
  );
}

/** Request header through which proxy.ts tells server components the requested path. */
export const PATH_HEADER = "x-liber-path";

export function signInUrl(next: string): string {
  const safe = safeNextPath(next, "");
  return safe && safe !== "/" ? `/signin?next=${encodeURIComponent(safe)}` : "/signin";
}
