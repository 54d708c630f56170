import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/db";
import { db } from "../db/client";
import { createAccount, deleteAccount, listAccounts, setAccountRole } from "./accounts";
import { verifyPassword } from "./password";

useTestDatabase();

describe("accounts", () => {
  it("are created with lower-case unique names and an argon2id password", async () => {
    const a = await createAccount({ name: "Alice", role: "admin", password: "wonderland" });
    expect(a).toMatchObject({ name: "alice", role: "admin", hasPassword: true });
    const row = await db().account.findUniqueOrThrow({ where: { id: a.id } });
    expect(row.passwordHash?.startsWith("$argon2id$")).toBe(true);
    expect(await verifyPassword(row.passwordHash, "wonderland")).toBe(true);
    await expect(createAccount({ name: "ALICE", role: "viewer", password: "another-one" })).rejects.toMatchObject({
      status: 409,
    });
    await expect(createAccount({ name: "bad name", role: "viewer", password: "another-one" })).rejects.toThrow();
  });

  it("are listed without password hashes", async () => {
    const list = await listAccounts();
    expect(list.length).toBeGreaterThan(0);
    for (const a of list) {
      expect(Object.keys(a).sort()).toEqual(["createdAt", "hasPassword", "id", "lastSignInAt", "name", "role"]);
    }
  });

  it("keep at least one admin", async () => {
    await expect(setAccountRole({ name: "alice" }, "viewer")).rejects.toMatchObject({
      status: 409,
      code: "last_admin",
    });
    await expect(deleteAccount({ name: "alice" })).rejects.toMatchObject({ status: 409 });
    await createAccount({ name: "bob", role: "admin", password: "builder-bob" });
    // Two admins demoting each other at once: one of them must stay admin.
    const results = await Promise.allSettled([
      setAccountRole({ name: "alice" }, "viewer"),
      setAccountRole({ name: "bob" }, "viewer"),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await db().account.count({ where: { role: "admin" } })).toBe(1);
  });

  it("report unknown accounts as 404", async () => {
    await expect(setAccountRole({ name: "nobody" }, "viewer")).rejects.toMatchObject({ status: 404 });
    await expect(deleteAccount({ id: 999_999 })).rejects.toMatchObject({ status: 404 });
  });
});
