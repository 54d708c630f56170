import type { Page } from "@playwright/test";
import type { Role } from "../../lib/auth/roles";
import { E2E_ADMIN_PASSWORD } from "./env";

export interface E2eCredentials {
  name: string;
  password: string;
}

/** The first admin, created by the app from LIBER_ADMIN_PASSWORD (see playwright.config.ts). */
export const ADMIN: E2eCredentials = { name: "admin", password: E2E_ADMIN_PASSWORD };

/**
 * Accounts the specs can sign in with. Only the first admin exists on a fresh data folder;
 * a spec that needs a viewer or an editor creates the account first and registers it here.
 */
const accounts: Partial<Record<Role, E2eCredentials>> = { admin: ADMIN };

export function registerAccount(role: Role, credentials: E2eCredentials): void {
  accounts[role] = credentials;
}

export function credentialsFor(role: Role): E2eCredentials {
  const c = accounts[role];
  if (!c)
    throw new Error(`No e2e account with role ${role}: create one and call registerAccount("${role}", ...) first.`);
  return c;
}

/**
 * Signs in through the sign-in form, as a person would. While the app has no sign-in page
 * (/signin answers 404), there is nothing to sign in to and this does nothing.
 */
export async function signIn(page: Page, role: Role = "admin"): Promise<void> {
  const { name, password } = credentialsFor(role);
  const response = await page.goto("/signin");
  if (response?.status() === 404) return;
  // Already signed in: the sign-in page sends us on.
  if (!new URL(page.url()).pathname.startsWith("/signin")) return;
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  // Either the app sends us on, or the form shows why not (Next's empty route announcer aside).
  const refusal = page.getByRole("alert").filter({ hasText: /\S/ }).first();
  const outcome = await Promise.race([
    page.waitForURL((url) => !url.pathname.startsWith("/signin"), { timeout: 15_000 }).then(() => "signed-in" as const),
    refusal.waitFor({ timeout: 15_000 }).then(() => "refused" as const),
  ]).catch(() => "no-answer" as const);
  if (outcome === "signed-in") return;
  const reason =
    outcome === "refused"
      ? (await refusal.innerText()).trim()
      : "the page stayed on /signin for 15 s without a message";
  throw new Error(`Sign-in as ${name} (${role}) failed: ${reason}`);
}
