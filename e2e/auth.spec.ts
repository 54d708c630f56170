import { expect, test, type Page } from "@playwright/test";
import { ADMIN, registerAccount, signIn, type E2eCredentials } from "./helpers/auth";

// Issue 3 end to end: sign-in (with its errors and `next`), roles seen in the UI and enforced by
// the API, sign-out. The app under test was started with LIBER_ADMIN_PASSWORD (playwright.config.ts),
// so "admin" exists; the viewer and the editor are created here through Settings, as an admin would.

const VIEWER: E2eCredentials = { name: "e2e-viewer", password: "viewer-e2e-password" };
const EDITOR: E2eCredentials = { name: "e2e-editor", password: "editor-e2e-password" };

test.describe.configure({ mode: "serial" });

async function fillSignIn(page: Page, name: string, password: string) {
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** The sign-in form's error (Next.js has its own, empty, role="alert" route announcer). */
const formError = (page: Page) => page.locator("form").getByRole("alert");

/** Status codes of same-origin fetches made by the page itself (so with its cookie and Origin). */
function statusesFromPage(page: Page, calls: { url: string; method?: string; body?: unknown }[]): Promise<number[]> {
  return page.evaluate(
    (list) =>
      Promise.all(
        list.map((c) =>
          fetch(c.url, {
            method: c.method ?? "GET",
            headers: c.body === undefined ? {} : { "content-type": "application/json" },
            body: c.body === undefined ? undefined : JSON.stringify(c.body),
          }).then((r) => r.status),
        ),
      ),
    calls,
  );
}

test("an anonymous visitor is sent to a clean sign-in page and back to the page they wanted", async ({ page }) => {
  await page.goto("/settings");
  await expect(page).toHaveURL(/\/signin\?next=%2Fsettings$/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" })).toHaveCount(0);
  expect((await page.request.get("/api/users")).status()).toBe(401);
  expect((await page.request.get("/api/health")).status()).toBe(200);

  await fillSignIn(page, ADMIN.name, "not-the-password");
  await expect(formError(page)).toHaveText("Wrong name or password.");
  await expect(page).toHaveURL(/\/signin/);

  await fillSignIn(page, ADMIN.name, ADMIN.password);
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  await expect(page.getByTestId("account-role")).toHaveText("admin");
});

test("sign-in ignores a `next` that leaves the site", async ({ page }) => {
  await page.goto("/signin?next=//evil.example/steal");
  await fillSignIn(page, ADMIN.name, ADMIN.password);
  await page.waitForURL((url) => !url.pathname.startsWith("/signin"));
  expect(new URL(page.url()).host).toBe(new URL(test.info().project.use.baseURL!).host);
});

test("an admin creates a viewer and an editor in Settings", async ({ page }) => {
  await signIn(page, "admin");
  await page.goto("/settings");
  const accounts = page.getByTestId("accounts-section");
  await expect(accounts).toBeVisible();
  await expect(page.getByTestId("api-tokens-section")).toBeVisible();
  for (const [role, account] of [
    ["viewer", VIEWER],
    ["editor", EDITOR],
  ] as const) {
    const form = accounts.getByRole("form", { name: "Add an account" });
    await form.getByLabel("Name").fill(account.name);
    await form.getByLabel("Role").selectOption(role);
    await form.getByLabel("Password").fill(account.password);
    await form.getByRole("button", { name: "Add account" }).click();
    const row = accounts.getByTestId(`account-${account.name}`);
    await expect(row).toBeVisible();
    await expect(row.getByRole("combobox")).toHaveValue(role);
    registerAccount(role, account);
  }

  // Passwords are typed into a masked field; the editor signs in with the new one below.
  await accounts.getByTestId(`account-${EDITOR.name}`).getByRole("button", { name: "Set password" }).click();
  const newPassword = accounts.getByRole("form", { name: `New password for ${EDITOR.name}` });
  await expect(newPassword.getByLabel(/New password/)).toHaveAttribute("type", "password");
  EDITOR.password = "editor-e2e-password-2";
  await newPassword.getByLabel(/New password/).fill(EDITOR.password);
  await newPassword.getByRole("button", { name: "Save" }).click();
  await expect(newPassword).toHaveCount(0);
});

test("a viewer sees no edit controls, and the API refuses their edits with 403", async ({ page }) => {
  await signIn(page, "viewer");
  await page.goto("/settings");
  await expect(page.getByTestId("account-role")).toHaveText("viewer");
  await expect(page.getByText("managed by admins")).toBeVisible();
  await expect(page.getByTestId("accounts-section")).toHaveCount(0);
  await expect(page.getByTestId("api-tokens-section")).toHaveCount(0);

  const [ingest, createAccount, listTokens, readUsers] = await statusesFromPage(page, [
    { url: "/api/behaviors", method: "POST", body: [] },
    { url: "/api/accounts", method: "POST", body: { name: "sneaky", role: "admin", password: "sneaky-password" } },
    { url: "/api/tokens" },
    { url: "/api/users" },
  ]);
  expect(ingest, "ingestion is editor work").toBe(403);
  expect(createAccount).toBe(403);
  expect(listTokens).toBe(403);
  expect(readUsers).toBe(200);
});

test("an editor reads and edits, but does not manage accounts", async ({ page }) => {
  await signIn(page, "editor");
  await page.goto("/settings");
  await expect(page.getByTestId("account-role")).toHaveText("editor");
  await expect(page.getByTestId("accounts-section")).toHaveCount(0);
  const [ingest, listAccounts] = await statusesFromPage(page, [
    // An empty batch: passes the role check, writes nothing.
    { url: "/api/behaviors", method: "POST", body: [] },
    { url: "/api/accounts" },
  ]);
  expect([401, 403], `ingestion as an editor answered ${ingest}`).not.toContain(ingest);
  expect(ingest).toBeLessThan(500);
  expect(listAccounts).toBe(403);
});

test("too many wrong passwords are refused for a while, with a clear message", async ({ page }) => {
  await page.goto("/signin");
  // An unknown name: failures count per name and address, and "admin" must stay usable for other specs.
  for (let i = 0; i < 5; i++) {
    await fillSignIn(page, "e2e-nobody", `wrong-${i}`);
    await expect(formError(page)).toHaveText("Wrong name or password.");
  }
  await fillSignIn(page, "e2e-nobody", "wrong-again");
  await expect(formError(page)).toHaveText(/^Too many attempts, try again in 1[45] minutes\.$/);
});

test("sign-out ends the session on the server, not just in the browser", async ({ page, context }) => {
  await signIn(page, "admin");
  await page.goto("/users");
  const session = (await context.cookies()).find((c) => c.name === "liber_session");
  expect(session, "a session cookie").toBeDefined();
  expect(session!.httpOnly).toBe(true);
  expect(session!.sameSite).toBe("Lax");

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin$/);
  expect((await context.cookies()).find((c) => c.name === "liber_session")).toBeUndefined();
  // The old cookie value, replayed, no longer opens anything.
  const replay = await page.request.get("/api/auth/me", { headers: { cookie: `liber_session=${session!.value}` } });
  expect(replay.status()).toBe(401);
  await page.goto("/users");
  await expect(page).toHaveURL(/\/signin\?next=%2Fusers$/);
});

test("the setup page refuses a missing or wrong link once an admin exists", async ({ page }) => {
  await page.goto("/setup?token=not-a-token");
  await expect(page.getByRole("heading", { name: "Already set up" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" })).toHaveCount(0);
});
