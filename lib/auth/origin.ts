/**
 * Cross-site request check for cookie-authenticated mutations: the request's Origin (or, when
 * a browser sent none, its Referer) must name this app's own host, as given by Host, or by
 * X-Forwarded-Host when the request came through a trusted reverse proxy (LIBER_TRUST_PROXY):
 * anyone else can send that header. A request with neither is refused:
 * browsers always send Origin on cross-origin and same-origin POST/PUT/PATCH/DELETE.
 */
export function isSameOrigin(headers: Headers, fallbackHost?: string, trustForwardedHost = false): boolean {
  const source = headers.get("origin") || headers.get("referer");
  if (!source || source === "null") return false;
  let sourceUrl: URL;
  try {
    sourceUrl = new URL(source);
  } catch {
    return false;
  }
  if (sourceUrl.protocol !== "http:" && sourceUrl.protocol !== "https:") return false;
  const forwardedHost = trustForwardedHost ? firstValue(headers.get("x-forwarded-host")) : undefined;
  const ownHost = forwardedHost ?? firstValue(headers.get("host")) ?? fallbackHost;
  if (!ownHost) return false;
  let ownUrl: URL;
  try {
    // Parsed with the source's scheme so that default ports (":80", ":443") compare equal.
    ownUrl = new URL(`${sourceUrl.protocol}//${ownHost}`);
  } catch {
    return false;
  }
  return ownUrl.host === sourceUrl.host && ownUrl.username === "" && ownUrl.pathname === "/";
}

function firstValue(header: string | null): string | undefined {
  const first = header?.split(",")[0]?.trim();
  return first ? first : undefined;
}
