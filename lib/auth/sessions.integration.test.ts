import { beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/db";
import { db } from "../db/client";
import { createAccount, deleteAccount, setAccountPassword, setAccountRole } from "./accounts";
import { SESSION_TTL_MS } from "./cookie";
import { hashSecret } from "./secrets";
import { createSession, revokeSession, sessionCaller } from "./sessions";
import { signIn } from "./sign-in";

useTestDatabase();

const MIN = 60_000;

describe("sessions", () => {
  let accountId: number;
  beforeAll(async () => {
    accountId = (await createAccount({ name: "Ada", role: "editor", password: "analytical-engine" })).id;
  });

  it("stores only the hash of the session token, with a 7-day expiry", async () => {
    const now = new Date();
    const session = await createSession(accountId, now);
    expect(Buffer.from(session.token, "base64url")).toHaveLength(32);
    const row = await db().session.findUniqueOrThrow({ where: { id: session.id } });
    expect(row.tokenHash).toBe(hashSecret(session.token));
    expect(JSON.stringify(row)).not.toContain(session.token);
    expect(row.expiresAt.getTime() - now.getTime()).toBe(SESSION_TTL_MS);
  });

  it("resolves a live session to its account and role", async () => {
    const { token } = await createSession(accountId);
    expect(await sessionCaller(token)).toMatchObject({ kind: "session", accountId, name: "ada", role: "editor" });
    expect(await sessionCaller("not-a-session")).toBeNull();
  });

  it("expires, and slides forward when used", async () => {
    const start = new Date("2030-01-01T00:00:00Z");
    const { token, id } = await createSession(accountId, start);
    // Used after 2 days: the expiry moves to 7 days after that use.
    const later = new Date(start.getTime() + 2 * 24 * 60 * MIN);
    expect(await sessionCaller(token, later)).not.toBeNull();
    const row = await db().session.findUniqueOrThrow({ where: { id } });
    expect(row.expiresAt.getTime()).toBe(later.getTime() + SESSION_TTL_MS);
    // Used again a minute later: no write (sliding is throttled to once an hour).
    await sessionCaller(token, new Date(later.getTime() + MIN));
    expect((await db().session.findUniqueOrThrow({ where: { id } })).expiresAt).toEqual(row.expiresAt);
    // Not used for more than 7 days: gone.
    expect(await sessionCaller(token, new Date(row.expiresAt.getTime() + 1))).toBeNull();
  });

  it("is revoked by sign-out", async () => {
    const { token } = await createSession(accountId);
    await revokeSession(token);
    expect(await sessionCaller(token)).toBeNull();
  });

  it("sees a role change at once", async () => {
    const { token } = await createSession(accountId);
    await setAccountRole({ name: "ada" }, "viewer");
    expect((await sessionCaller(token))?.role).toBe("viewer");
    await setAccountRole({ name: "ada" }, "editor");
  });

  it("ends other sessions when the password changes", async () => {
    const kept = await createSession(accountId);
    const other = await createSession(accountId);
    await setAccountPassword({ id: accountId }, "difference-engine", { keepSessionId: kept.id });
    expect(await sessionCaller(kept.token)).not.toBeNull();
    expect(await sessionCaller(other.token)).toBeNull();
    await setAccountPassword({ id: accountId }, "analytical-engine");
    expect(await sessionCaller(kept.token)).toBeNull();
  });

  it("ends with the account", async () => {
    const temp = await createAccount({ name: "temp", role: "viewer", password: "temporary-pass" });
    const { token } = await createSession(temp.id);
    await deleteAccount({ id: temp.id });
    expect(await sessionCaller(token)).toBeNull();
  });
});

describe("sign-in", () => {
  beforeAll(async () => {
    await createAccount({ name: "grace", role: "viewer", password: "cobol-forever" });
  });

  it("opens a session for the right password, case-insensitively on the name", async () => {
    const result = await signIn({ name: " Grace ", password: "cobol-forever", ip: "10.0.0.1" });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.account).toMatchObject({ name: "grace", role: "viewer" });
    expect(await sessionCaller(result.session.token)).toMatchObject({ name: "grace" });
    const account = await db().account.findUniqueOrThrow({ where: { name: "grace" } });
    expect(account.lastSignInAt).not.toBeNull();
  });

  it("says only 'wrong' for a wrong password or an unknown name", async () => {
    expect(await signIn({ name: "grace", password: "fortran", ip: "10.0.0.2" })).toEqual({
      ok: false,
      reason: "wrong_credentials",
    });
    expect(await signIn({ name: "nobody", password: "fortran", ip: "10.0.0.2" })).toEqual({
      ok: false,
      reason: "wrong_credentials",
    });
  });

  it("rate-limits 5 failures per name and IP for 15 minutes, even for the right password", async () => {
    const t0 = new Date("2031-05-01T10:00:00Z");
    const at = (min: number) => new Date(t0.getTime() + min * MIN);
    for (let i = 0; i < 5; i++) {
      expect(await signIn({ name: "grace", password: "guess", ip: "10.9.9.9", now: at(i) })).toMatchObject({
        reason: "wrong_credentials",
      });
    }
    const blocked = await signIn({ name: "grace", password: "cobol-forever", ip: "10.9.9.9", now: at(5) });
    expect(blocked).toEqual({ ok: false, reason: "rate_limited", retryAfterSeconds: 10 * 60 });
    // Other IPs and other names are not affected.
    expect((await signIn({ name: "grace", password: "cobol-forever", ip: "10.9.9.10", now: at(5) })).ok).toBe(true);
    expect(await signIn({ name: "ada", password: "x", ip: "10.9.9.9", now: at(5) })).toMatchObject({
      reason: "wrong_credentials",
    });
    // Once the first failure leaves the window, one more try is allowed.
    expect((await signIn({ name: "grace", password: "cobol-forever", ip: "10.9.9.9", now: at(15.01) })).ok).toBe(true);
    // A success clears the count.
    expect(await db().signInFailure.count({ where: { name: "grace", ip: "10.9.9.9" } })).toBe(0);
  });

  it("counts parallel guesses one by one (no burst past the limit)", async () => {
    const now = new Date("2032-01-01T00:00:00Z");
    const results = await Promise.all(
      Array.from({ length: 12 }, () => signIn({ name: "grace", password: "parallel-guess", ip: "10.7.7.7", now })),
    );
    expect(results.filter((r) => !r.ok && r.reason === "wrong_credentials")).toHaveLength(5);
    expect(results.filter((r) => !r.ok && r.reason === "rate_limited")).toHaveLength(7);
  });
});
