import { describe, expect, it } from "vitest";
import { isSameOrigin } from "./origin";

const h = (init: Record<string, string>) => new Headers(init);

describe("same-origin check", () => {
  it("accepts the app's own origin", () => {
    expect(isSameOrigin(h({ origin: "http://127.0.0.1:3000", host: "127.0.0.1:3000" }))).toBe(true);
    expect(isSameOrigin(h({ origin: "https://liber.example.com", host: "LIBER.example.com" }))).toBe(true);
  });

  it("treats default ports as equal", () => {
    expect(isSameOrigin(h({ origin: "https://liber.example.com", host: "liber.example.com:443" }))).toBe(true);
    expect(isSameOrigin(h({ origin: "http://liber.example.com", host: "liber.example.com:80" }))).toBe(true);
  });

  it("refuses other hosts, ports and sub-domains", () => {
    expect(isSameOrigin(h({ origin: "http://evil.example", host: "127.0.0.1:3000" }))).toBe(false);
    expect(isSameOrigin(h({ origin: "http://127.0.0.1:3001", host: "127.0.0.1:3000" }))).toBe(false);
    expect(isSameOrigin(h({ origin: "https://a.liber.example.com", host: "liber.example.com" }))).toBe(false);
    expect(isSameOrigin(h({ origin: "https://liber.example.com.evil.io", host: "liber.example.com" }))).toBe(false);
  });

  it("refuses opaque, malformed and non-http origins", () => {
    expect(isSameOrigin(h({ origin: "null", host: "127.0.0.1:3000" }))).toBe(false);
    expect(isSameOrigin(h({ origin: "not a url", host: "127.0.0.1:3000" }))).toBe(false);
    expect(isSameOrigin(h({ origin: "file://127.0.0.1:3000", host: "127.0.0.1:3000" }))).toBe(false);
  });

  it("falls back to the Referer when there is no Origin", () => {
    expect(isSameOrigin(h({ referer: "http://127.0.0.1:3000/settings?x=1", host: "127.0.0.1:3000" }))).toBe(true);
    expect(isSameOrigin(h({ referer: "http://evil.example/page", host: "127.0.0.1:3000" }))).toBe(false);
  });

  it("refuses a request with neither Origin nor Referer", () => {
    expect(isSameOrigin(h({ host: "127.0.0.1:3000" }))).toBe(false);
  });

  it("compares with X-Forwarded-Host behind a trusted proxy (first value)", () => {
    const behindProxy = { host: "127.0.0.1:3000", "x-forwarded-host": "liber.example.com, proxy.internal" };
    expect(isSameOrigin(h({ ...behindProxy, origin: "https://liber.example.com" }), undefined, true)).toBe(true);
    expect(isSameOrigin(h({ ...behindProxy, origin: "http://127.0.0.1:3000" }), undefined, true)).toBe(false);
  });

  it("ignores X-Forwarded-Host unless a proxy is trusted (anyone can send it)", () => {
    const forged = { host: "127.0.0.1:3000", "x-forwarded-host": "evil.example", origin: "http://evil.example" };
    expect(isSameOrigin(h(forged))).toBe(false);
    expect(isSameOrigin(h({ ...forged, origin: "http://127.0.0.1:3000" }))).toBe(true);
  });

  it("uses the fallback host when the request has no Host header", () => {
    expect(isSameOrigin(h({ origin: "http://localhost:3000" }), "localhost:3000")).toBe(true);
    expect(isSameOrigin(h({ origin: "http://localhost:3000" }))).toBe(false);
  });
});

describe("same-origin check with empty headers", () => {
  it("treats an empty Origin as absent and uses the Referer", () => {
    expect(isSameOrigin(h({ origin: "", referer: "http://127.0.0.1:3000/x", host: "127.0.0.1:3000" }))).toBe(true);
    expect(isSameOrigin(h({ origin: "", host: "127.0.0.1:3000" }))).toBe(false);
  });
});
