import { describe, expect, it } from "vitest";
import { clientIp, CLIENT_IP_HEADER, isHttpsRequest } from "./request";

describe("request facts", () => {
  it("detects https directly or via X-Forwarded-Proto", () => {
    expect(isHttpsRequest("https://x/", new Headers())).toBe(true);
    expect(isHttpsRequest("http://x/", new Headers())).toBe(false);
    expect(isHttpsRequest("http://x/", new Headers({ "x-forwarded-proto": "https" }))).toBe(true);
    expect(isHttpsRequest("http://x/", new Headers({ "x-forwarded-proto": "HTTPS, http" }))).toBe(true);
    expect(isHttpsRequest("https://x/", new Headers({ "x-forwarded-proto": "http" }))).toBe(false);
  });

  it("trusts the TCP peer over anything the client claims", () => {
    const headers = new Headers({ [CLIENT_IP_HEADER]: "203.0.113.9", "x-forwarded-for": "1.2.3.4" });
    expect(clientIp(headers)).toBe("203.0.113.9");
  });

  it("believes only the last X-Forwarded-For entry, and only from a local proxy", () => {
    const headers = new Headers({ [CLIENT_IP_HEADER]: "127.0.0.1", "x-forwarded-for": "6.6.6.6, 198.51.100.7" });
    expect(clientIp(headers)).toBe("198.51.100.7");
    expect(clientIp(new Headers({ [CLIENT_IP_HEADER]: "::1" }))).toBe("::1");
  });

  it("falls back to forwarded headers when the server did not record the peer", () => {
    expect(clientIp(new Headers({ "x-forwarded-for": "1.1.1.1, 2.2.2.2" }))).toBe("2.2.2.2");
    expect(clientIp(new Headers({ "x-real-ip": "3.3.3.3" }))).toBe("3.3.3.3");
    expect(clientIp(new Headers())).toBe("unknown");
  });
});
