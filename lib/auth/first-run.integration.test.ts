import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/db";
import { db } from "../db/client";
import { adminExists, createAccount } from "./accounts";
import { completeSetup, ensureFirstAdmin, setupLink, setupTokenState } from "./first-run";
import { hashSecret } from "./secrets";
import { sessionCaller } from "./sessions";

useTestDatabase();

const HOUR = 60 * 60 * 1000;

describe("first run", () => {
  it("prints a new single-use link on every start while no admin exists, stored hashed", async () => {
    expect(await adminExists()).toBe(false);
    const first = await ensureFirstAdmin();
    expect(first.kind).toBe("setup-link");
    if (first.kind !== "setup-link") return;
    expect(setupLink("http://127.0.0.1:3000/", first.token)).toBe(`http://127.0.0.1:3000/setup?token=${first.token}`);
    expect(await db().setupToken.count({ where: { tokenHash: hashSecret(first.token) } })).toBe(1);
    expect(await setupTokenState(first.token)).toBe("usable");

    const second = await ensureFirstAdmin();
    if (second.kind !== "setup-link") throw new Error("expected a link");
    expect(second.token).not.toBe(first.token);
    expect(await setupTokenState(first.token)).toBe("invalid"); // replaced by the newer link
    expect(await setupTokenState(second.token)).toBe("usable");
  });

  it("expires a link after 24 hours", async () => {
    const t0 = new Date();
    const link = await ensureFirstAdmin({ now: t0 });
    if (link.kind !== "setup-link") throw new Error("expected a link");
    expect(await setupTokenState(link.token, new Date(t0.getTime() + 23 * HOUR))).toBe("usable");
    expect(await setupTokenState(link.token, new Date(t0.getTime() + 24 * HOUR + 1))).toBe("invalid");
    await expect(
      completeSetup({
        token: link.token,
        name: "admin",
        password: "late-password",
        now: new Date(t0.getTime() + 25 * HOUR),
      }),
    ).rejects.toMatchObject({ status: 403 });
  });

  it("creates the admin from a link exactly once, and signs them in", async () => {
    const link = await ensureFirstAdmin();
    if (link.kind !== "setup-link") throw new Error("expected a link");
    const attempts = await Promise.allSettled([
      completeSetup({ token: link.token, name: "Root", password: "first-password" }),
      completeSetup({ token: link.token, name: "mallory", password: "second-password" }),
    ]);
    const done = attempts.filter((a) => a.status === "fulfilled");
    expect(done).toHaveLength(1);
    const { session } = (done[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof completeSetup>>>).value;
    expect(await sessionCaller(session.token)).toMatchObject({ role: "admin" });
    expect(await db().account.count({ where: { role: "admin" } })).toBe(1);
    expect(await setupTokenState(link.token)).toBe("admin-exists");
    await expect(completeSetup({ token: link.token, name: "again", password: "third-password" })).rejects.toMatchObject(
      { status: 409 },
    );
    expect(await ensureFirstAdmin()).toEqual({ kind: "admin-exists" });
  });
});

describe("first run with LIBER_ADMIN_PASSWORD", () => {
  it("creates 'admin' only while no admin exists, and never resets its password", async () => {
    await db().account.deleteMany({});
    await createAccount({ name: "admin", role: "viewer" }); // a name taken but no admin: promoted
    expect(await ensureFirstAdmin({ adminPassword: "from-the-env" })).toEqual({ kind: "admin-created", name: "admin" });
    const admin = await db().account.findUniqueOrThrow({ where: { name: "admin" } });
    expect(admin.role).toBe("admin");
    expect(await ensureFirstAdmin({ adminPassword: "changed-env" })).toEqual({ kind: "admin-exists" });
    expect((await db().account.findUniqueOrThrow({ where: { name: "admin" } })).passwordHash).toBe(admin.passwordHash);
  });
});
