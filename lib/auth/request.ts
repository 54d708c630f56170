import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import { config } from "../config";

/** Facts about an incoming request that depend on how the app is deployed. */

/**
 * Header that `liber start` sets from the TCP peer address before Next.js sees the request,
 * overwriting anything a client sent under that name. Its value carries a per-process secret
 * (see stampPeer), so that when the app runs some other way (`next start`) a client cannot
 * claim an address through it: then the peer is simply unknown.
 */
export const CLIENT_IP_HEADER = "x-liber-client-ip";

const PEER_SECRET = Symbol.for("liber.peer-header-secret");
type WithSecret = typeof globalThis & { [PEER_SECRET]?: string };

/** The header value for a peer address, as `liber start` sets it (the server and the route handlers share one process). */
export function stampPeer(ip: string): string {
  const g = globalThis as WithSecret;
  g[PEER_SECRET] ??= randomBytes(16).toString("hex");
  return `${g[PEER_SECRET]} ${ip}`;
}

/** The TCP peer's address as stamped by `liber start`, or null when unknown. */
export function peerAddress(headers: Headers): string | null {
  const secret = (globalThis as WithSecret)[PEER_SECRET];
  const value = headers.get(CLIENT_IP_HEADER);
  if (!secret || !value) return null;
  const space = value.indexOf(" ");
  const ip = value.slice(space + 1).trim();
  return space > 0 && value.slice(0, space) === secret && ip ? ip : null;
}

/** https directly, or behind a TLS-terminating proxy that says so. */
export function isHttpsRequest(url: string | URL, headers: Headers): boolean {
  const forwarded = headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  if (forwarded) return forwarded === "https";
  return new URL(url).protocol === "https:";
}

/**
 * Which reverse proxies may speak for clients through X-Forwarded-For and X-Forwarded-Host:
 * LIBER_TRUST_PROXY, comma-separated IP addresses and/or `loopback` (127.0.0.0/8 and ::1).
 * Unset: none, forwarded headers are ignored.
 */
export interface TrustedProxies {
  loopback: boolean;
  addresses: ReadonlySet<string>;
}

export function parseTrustProxy(value: string | undefined): TrustedProxies | null {
  const entries = (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) return null;
  return {
    loopback: entries.some((e) => e.toLowerCase() === "loopback"),
    addresses: new Set(entries.filter((e) => e.toLowerCase() !== "loopback").map(normaliseIp)),
  };
}

function configuredProxies(): TrustedProxies | null {
  return parseTrustProxy(config().LIBER_TRUST_PROXY);
}

function normaliseIp(ip: string): string {
  const lower = ip.trim().toLowerCase();
  return lower.startsWith("::ffff:") && isIP(lower.slice(7)) === 4 ? lower.slice(7) : lower;
}

function isLoopback(ip: string): boolean {
  const n = normaliseIp(ip);
  return n === "::1" || n.startsWith("127.");
}

export function isTrustedProxy(ip: string, trusted: TrustedProxies | null): boolean {
  if (!trusted) return false;
  return (trusted.loopback && isLoopback(ip)) || trusted.addresses.has(normaliseIp(ip));
}

/**
 * Whether this request came through a trusted proxy, so that its X-Forwarded-* headers count.
 * With no proxy configured, never. With one configured and the peer unknown (the app was not
 * started by `liber start`), the operator's word is taken: set LIBER_TRUST_PROXY only when the
 * app is reachable through the proxy alone.
 */
export function fromTrustedProxy(headers: Headers, trusted: TrustedProxies | null = configuredProxies()): boolean {
  if (!trusted) return false;
  const peer = peerAddress(headers);
  return peer === null || isTrustedProxy(peer, trusted);
}

/**
 * The client's IP address, for the sign-in rate limit (which also keys on the account name).
 * The TCP peer, unless it is a trusted proxy: then X-Forwarded-For read from the right,
 * skipping trusted proxies (entries to their left are whatever the client claimed).
 * "unknown" when neither is available: all such requests then share one limit per account.
 */
export function clientIp(headers: Headers, trusted: TrustedProxies | null = configuredProxies()): string {
  const peer = peerAddress(headers);
  if (!fromTrustedProxy(headers, trusted)) return peer ?? "unknown";
  const chain = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (let i = chain.length - 1; i >= 0; i--) {
    if (!isTrustedProxy(chain[i]!, trusted)) return chain[i]!;
  }
  return chain[0] ?? peer ?? "unknown";
}
