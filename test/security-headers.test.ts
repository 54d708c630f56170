import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import type { NextConfig } from "next";
import { API_CSP, pageCsp } from "../lib/api/security-headers";
import { proxy } from "../proxy";

/** Issue 9 item 9: security headers on pages (proxy.ts, per request) and API routes (next.config.js). */

const ORIGIN = "http://127.0.0.1:3000";
const directives = (csp: string) =>
  new Map(
    csp
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...values]) => [name!, values]),
  );

describe("pages", () => {
  const page = () => proxy(new NextRequest(`${ORIGIN}/users?q=1`, { headers: { cookie: "liber_session=x" } }));

  it("get a Content-Security-Policy with a fresh nonce, handed to Next.js on the request too", () => {
    const first = page();
    const csp = first.headers.get("content-security-policy");
    expect(csp).toBeTruthy();
    const d = directives(csp!);
    const nonce = d.get("script-src")!.find((s) => s.startsWith("'nonce-"));
    expect(nonce).toMatch(/^'nonce-[A-Za-z0-9+/]{22}=='$/);
    expect(d.get("script-src")).toEqual(expect.arrayContaining(["'self'", "'strict-dynamic'", "'wasm-unsafe-eval'"]));
    expect(d.get("script-src")).not.toContain("'unsafe-inline'");
    expect(d.get("frame-ancestors")).toEqual(["'none'"]);
    expect(d.get("object-src")).toEqual(["'none'"]);
    expect(d.get("worker-src")).toEqual(["'self'", "blob:"]);
    // Next.js reads the nonce from the request's CSP header (x-middleware-request-* carries overrides).
    expect(first.headers.get("x-middleware-request-content-security-policy")).toBe(csp);
    expect(page().headers.get("content-security-policy")).not.toBe(csp);
  });

  it("allow eval only in development", () => {
    expect(pageCsp("n", false)).not.toContain("'unsafe-eval'");
    expect(pageCsp("n", true)).toContain("'unsafe-eval'");
  });
});

describe("next.config.js headers", () => {
  it("send nosniff, Referrer-Policy and frame denial everywhere, and a no-content CSP on API routes", async () => {
    // @ts-expect-error next.config.js is plain JavaScript without type declarations.
    const nextConfig = ((await import("../next.config.js")) as { default: NextConfig }).default;
    const rules = await nextConfig.headers!();
    const all = rules.find((r) => r.source === "/:path*")!;
    const api = rules.find((r) => r.source === "/api/:path*")!;
    const value = (rule: typeof all, key: string) =>
      rule.headers.find((h) => h.key.toLowerCase() === key.toLowerCase())?.value;
    expect(value(all, "X-Content-Type-Options")).toBe("nosniff");
    expect(value(all, "Referrer-Policy")).toBe("same-origin");
    expect(value(all, "X-Frame-Options")).toBe("DENY");
    expect(value(api, "Content-Security-Policy")).toBe(API_CSP);
    expect(
      value(all, "Content-Security-Policy"),
      "pages get theirs from proxy.ts; two policies would both apply",
    ).toBeUndefined();
  });
});
