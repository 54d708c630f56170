/** Facts about an incoming request that depend on how the app is deployed. */

/**
 * Header that `liber start` sets from the TCP peer address before Next.js sees the request,
 * overwriting anything a client sent under that name.
 */
export const CLIENT_IP_HEADER = "x-liber-client-ip";

/** https directly, or behind a TLS-terminating proxy that says so. */
export function isHttpsRequest(url: string | URL, headers: Headers): boolean {
  const forwarded = headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  if (forwarded) return forwarded === "https";
  return new URL(url).protocol === "https:";
}

/**
 * The client's IP address, for the sign-in rate limit. The TCP peer is trusted; X-Forwarded-For
 * is only believed when the peer is a proxy on this machine (loopback), and then only its last
 * entry, which that proxy appended itself: earlier entries are whatever the client claimed.
 */
export function clientIp(headers: Headers): string {
  const peer = headers.get(CLIENT_IP_HEADER)?.trim();
  const forwarded = headers
    .get("x-forwarded-for")
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const lastForwarded = forwarded?.[forwarded.length - 1];
  if (peer) return isLoopback(peer) && lastForwarded ? lastForwarded : peer;
  return lastForwarded ?? headers.get("x-real-ip")?.trim() ?? "unknown";
}

function isLoopback(ip: string): boolean {
  return ip === "::1" || ip.startsWith("127.") || ip.startsWith("::ffff:127.");
}
