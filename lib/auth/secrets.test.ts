import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { bearerToken, hashSecret, isWellFormedApiToken, newApiToken, randomSecret } from "./secrets";

describe("secrets", () => {
  it("draws 32 random bytes, base64url", () => {
    const s = randomSecret();
    expect(s).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(s, "base64url")).toHaveLength(32);
    const many = new Set(Array.from({ length: 1000 }, () => randomSecret()));
    expect(many.size).toBe(1000);
  });

  it("stores sha256 hex, never the secret", () => {
    expect(hashSecret("abc")).toBe(crypto.createHash("sha256").update("abc").digest("hex"));
    expect(hashSecret("abc")).toMatch(/^[0-9a-f]{64}$/);
    expect(hashSecret("abc")).not.toBe(hashSecret("abd"));
  });

  it("makes recognisable API tokens whose hash and prefix match", () => {
    const t = newApiToken();
    expect(t.token).toMatch(/^lbr_[A-Za-z0-9_-]{43}$/);
    expect(isWellFormedApiToken(t.token)).toBe(true);
    expect(t.hash).toBe(hashSecret(t.token));
    expect(t.token.startsWith(t.prefix)).toBe(true);
    expect(t.prefix).toHaveLength(10);
    expect(newApiToken().token).not.toBe(t.token);
  });

  it("rejects malformed tokens before any lookup", () => {
    expect(isWellFormedApiToken("lbr_short")).toBe(false);
    expect(isWellFormedApiToken(`xyz_${randomSecret()}`)).toBe(false);
    expect(isWellFormedApiToken(`lbr_${randomSecret()}x`)).toBe(false);
    expect(isWellFormedApiToken(`lbr_${randomSecret().slice(0, 42)}!`)).toBe(false);
  });

  it("reads the bearer credential", () => {
    const h = (v?: string) => new Headers(v === undefined ? {} : { authorization: v });
    expect(bearerToken(h())).toBeUndefined();
    expect(bearerToken(h("Bearer lbr_abc"))).toBe("lbr_abc");
    expect(bearerToken(h("bearer   lbr_abc "))).toBe("lbr_abc");
    expect(bearerToken(h("Basic dXNlcjpwYXNz"))).toBe("");
    expect(bearerToken(h("Bearer"))).toBe("");
    expect(bearerToken(h("Bearer a b"))).toBe("");
  });
});
