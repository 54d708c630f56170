import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/db";
import { db } from "../db/client";
import { createAccount, deleteAccount, setAccountRole } from "./accounts";
import { createApiToken, listApiTokens, revokeApiToken, tokenCaller } from "./api-tokens";
import { hashSecret } from "./secrets";

useTestDatabase();

describe("API tokens", () => {
  it("are shown once, stored hashed, and act with their role", async () => {
    const admin = await createAccount({ name: "root", role: "admin", password: "very-secret" });
    const { token, summary } = await createApiToken({ name: "nightly ingest", role: "editor", createdById: admin.id });
    expect(token.startsWith("lbr_")).toBe(true);
    expect(summary).toMatchObject({
      name: "nightly ingest",
      role: "editor",
      createdBy: "root",
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(JSON.stringify(summary)).not.toContain(token);
    expect(JSON.stringify(summary)).not.toContain(hashSecret(token));
    const row = await db().apiToken.findUniqueOrThrow({ where: { id: summary.id } });
    expect(row.tokenHash).toBe(hashSecret(token));

    expect(await tokenCaller(token)).toMatchObject({
      kind: "token",
      role: "editor",
      tokenId: summary.id,
      accountId: null,
    });
  });

  it("record when they were last used (at most once a minute)", async () => {
    const { token, summary } = await createApiToken({ name: "script", role: "viewer", createdById: null });
    const t0 = new Date("2030-02-02T10:00:00Z");
    await tokenCaller(token, t0);
    await tokenCaller(token, new Date(t0.getTime() + 10_000));
    expect((await db().apiToken.findUniqueOrThrow({ where: { id: summary.id } })).lastUsedAt).toEqual(t0);
    const t1 = new Date(t0.getTime() + 61_000);
    await tokenCaller(token, t1);
    expect((await db().apiToken.findUniqueOrThrow({ where: { id: summary.id } })).lastUsedAt).toEqual(t1);
  });

  it("stop working when revoked, and leave the list", async () => {
    const { token, summary } = await createApiToken({ name: "leaked", role: "admin", createdById: null });
    const revoked = await revokeApiToken(summary.id);
    expect(revoked.revokedAt).not.toBeNull();
    expect(await tokenCaller(token)).toBeNull();
    expect((await listApiTokens()).map((t) => t.id)).not.toContain(summary.id);
    expect((await listApiTokens({ includeRevoked: true })).map((t) => t.id)).toContain(summary.id);
    await expect(revokeApiToken(999_999)).rejects.toMatchObject({ status: 404 });
  });

  it("reject unknown and malformed values", async () => {
    expect(await tokenCaller("lbr_" + "A".repeat(43))).toBeNull();
    expect(await tokenCaller("garbage")).toBeNull();
    expect(await tokenCaller("")).toBeNull();
  });

  it("never list a hash", async () => {
    for (const t of await listApiTokens({ includeRevoked: true })) {
      expect(Object.keys(t).sort()).toEqual([
        "createdAt",
        "createdBy",
        "expiresAt",
        "id",
        "lastUsedAt",
        "name",
        "prefix",
        "revokedAt",
        "role",
      ]);
    }
  });

  it("act at most with their owner's current role, and die with their owner", async () => {
    const owner = await createAccount({ name: "temp-admin", role: "admin", password: "very-secret" });
    const { token, summary } = await createApiToken({ name: "admin's script", role: "admin", createdById: owner.id });
    expect(await tokenCaller(token)).toMatchObject({ role: "admin" });
    await setAccountRole({ id: owner.id }, "viewer");
    expect(await tokenCaller(token)).toMatchObject({ role: "viewer" });
    await setAccountRole({ id: owner.id }, "editor");
    expect(await tokenCaller(token)).toMatchObject({ role: "editor" });
    // A token made for a lower role than its owner's keeps its own.
    const low = await createApiToken({ name: "read-only", role: "viewer", createdById: owner.id });
    expect(await tokenCaller(low.token)).toMatchObject({ role: "viewer" });
    await deleteAccount({ id: owner.id });
    expect(await tokenCaller(token)).toBeNull();
    expect(await db().apiToken.findUnique({ where: { id: summary.id } })).toBeNull();
  });

  it("can carry an expiry, after which they stop working", async () => {
    const now = new Date("2031-01-01T00:00:00Z");
    const { token, summary } = await createApiToken({
      name: "temporary",
      role: "editor",
      createdById: null,
      expiresAt: new Date("2031-01-31T00:00:00Z"),
    });
    expect(summary.expiresAt).toEqual(new Date("2031-01-31T00:00:00Z"));
    expect(await tokenCaller(token, now)).toMatchObject({ role: "editor" });
    expect(await tokenCaller(token, new Date("2031-01-31T00:00:00Z"))).toBeNull();
    expect(await tokenCaller(token, new Date("2031-02-01T00:00:00Z"))).toBeNull();
    const forever = await createApiToken({ name: "forever", role: "viewer", createdById: null });
    expect(forever.summary.expiresAt).toBeNull();
  });
});
