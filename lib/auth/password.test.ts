import { parseOptions } from "@node-rs/argon2";
import { describe, expect, it } from "vitest";
import { hashPassword, passwordSchema, verifyPassword } from "./password";

describe("password hashing", () => {
  it("hashes with argon2id and a fresh salt each time", async () => {
    const a = await hashPassword("correct horse battery");
    const b = await hashPassword("correct horse battery");
    expect(a.startsWith("$argon2id$")).toBe(true);
    expect(parseOptions(a)).toMatchObject({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    expect(a).not.toBe(b);
    expect(a).not.toContain("correct horse battery");
  });

  it("verifies the right password and rejects others", async () => {
    const stored = await hashPassword("s3cret-pass");
    expect(await verifyPassword(stored, "s3cret-pass")).toBe(true);
    expect(await verifyPassword(stored, "s3cret-pasS")).toBe(false);
    expect(await verifyPassword(stored, "")).toBe(false);
  });

  it("never accepts when there is no hash or the hash is malformed", async () => {
    expect(await verifyPassword(null, "anything")).toBe(false);
    expect(await verifyPassword(undefined, "not-a-real-password-just-for-timing")).toBe(false);
    expect(await verifyPassword("$argon2id$garbage", "anything")).toBe(false);
  });

  it("spends comparable time on unknown accounts (no account-name oracle)", async () => {
    const stored = await hashPassword("s3cret-pass");
    await verifyPassword(null, "warm-up");
    const time = async (f: () => Promise<unknown>) => {
      const t = performance.now();
      for (let i = 0; i < 5; i++) await f();
      return performance.now() - t;
    };
    const known = await time(() => verifyPassword(stored, "wrong-pass"));
    const unknown = await time(() => verifyPassword(null, "wrong-pass"));
    expect(unknown).toBeGreaterThan(known * 0.4);
  });

  it("enforces length limits", () => {
    expect(passwordSchema.safeParse("1234567").success).toBe(false);
    expect(passwordSchema.safeParse("12345678").success).toBe(true);
    expect(passwordSchema.safeParse("x".repeat(256)).success).toBe(true);
    expect(passwordSchema.safeParse("x".repeat(257)).success).toBe(false);
  });
});
