import { describe, expect, it } from "vitest";
import {
  clientIp,
  CLIENT_IP_HEADER,
  fromTrustedProxy,
  isHttpsRequest,
  parseTrustProxy,
  peerAddress,
  stampPeer,
} from "./request";

describe("request facts", () => {
  it("detects https directly or via X-Forwarded-Proto", () => {
    expect(isHttpsRequest("https://x/", new Headers())).toBe(true);
    expect(isHttpsRequest("http://x/", new Headers())).toBe(false);
    expect(isHttpsRequest("http://x/", new Headers({ "x-forwarded-proto": "https" }))).toBe(true);
    expect(isHttpsRequest("http://x/", new Headers({ "x-forwarded-proto": "HTTPS, http" }))).toBe(true);
    expect(isHttpsRequest("https://x/", new Headers({ "x-forwarded-proto": "http" }))).toBe(false);
  });
});

describe("the client's address", () => {
  const peer = (ip: string, extra: Record<string, string> = {}) =>
    new Headers({ [CLIENT_IP_HEADER]: stampPeer(ip), ...extra });
  const none = null;
  const loopback = parseTrustProxy("loopback");

  it("believes only the peer address that `liber start` stamped, not one a client sends", () => {
    expect(peerAddress(peer("203.0.113.9"))).toBe("203.0.113.9");
    expect(peerAddress(new Headers({ [CLIENT_IP_HEADER]: "203.0.113.9" }))).toBeNull();
    expect(peerAddress(new Headers({ [CLIENT_IP_HEADER]: "0123456789abcdef 203.0.113.9" }))).toBeNull();
  });

  it("ignores X-Forwarded-For without LIBER_TRUST_PROXY, even from loopback", () => {
    expect(clientIp(peer("127.0.0.1", { "x-forwarded-for": "6.6.6.6" }), none)).toBe("127.0.0.1");
    expect(clientIp(peer("203.0.113.9", { "x-forwarded-for": "1.2.3.4" }), none)).toBe("203.0.113.9");
    expect(clientIp(new Headers({ "x-forwarded-for": "1.1.1.1", "x-real-ip": "3.3.3.3" }), none)).toBe("unknown");
  });

  it("with a trusted proxy as the peer, takes the right-most untrusted X-Forwarded-For entry", () => {
    expect(clientIp(peer("127.0.0.1", { "x-forwarded-for": "6.6.6.6, 198.51.100.7" }), loopback)).toBe("198.51.100.7");
    expect(clientIp(peer("::ffff:127.0.0.1", { "x-forwarded-for": "198.51.100.7" }), loopback)).toBe("198.51.100.7");
    const two = parseTrustProxy("10.0.0.5, 10.0.0.6");
    expect(clientIp(peer("10.0.0.5", { "x-forwarded-for": "6.6.6.6, 198.51.100.7, 10.0.0.6" }), two)).toBe(
      "198.51.100.7",
    );
    // A peer that is not the configured proxy speaks for itself.
    expect(clientIp(peer("203.0.113.9", { "x-forwarded-for": "1.2.3.4" }), two)).toBe("203.0.113.9");
    expect(clientIp(peer("::1"), loopback)).toBe("::1");
  });

  it("trusts forwarded headers from an unknown peer only when a proxy is configured", () => {
    expect(fromTrustedProxy(new Headers(), none)).toBe(false);
    expect(fromTrustedProxy(new Headers(), loopback)).toBe(true);
    expect(fromTrustedProxy(peer("203.0.113.9"), loopback)).toBe(false);
    expect(fromTrustedProxy(peer("127.0.0.2"), loopback)).toBe(true);
  });
});
