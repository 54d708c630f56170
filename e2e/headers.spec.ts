import { expect, test } from "@playwright/test";
import { signIn } from "./helpers/auth";

// Issue 9 item 9 against the running app: security headers on a page and an API route, and
// pages still work under the Content-Security-Policy (no violation reported while they render).

test("an API route answers with nosniff, Referrer-Policy and a no-content CSP", async ({ request }) => {
  const res = await request.get("/api/health");
  const h = res.headers();
  expect(h["x-content-type-options"]).toBe("nosniff");
  expect(h["referrer-policy"]).toBe("same-origin");
  expect(h["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
  const broken = await request.get("/api/users/%ff");
  expect(broken.status()).toBe(400);
  expect(broken.headers()["content-type"]).toMatch(/^application\/json/);
});

test("pages carry a nonce CSP and render without CSP violations", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (msg) => {
    if (/Content Security Policy|Content-Security-Policy/i.test(msg.text())) violations.push(msg.text());
  });
  const res = await page.goto("/signin");
  const h = res!.headers();
  expect(h["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic' 'wasm-unsafe-eval'/);
  expect(h["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(h["x-content-type-options"]).toBe("nosniff");
  expect(h["referrer-policy"]).toBe("same-origin");
  await signIn(page);
  await page.goto("/users");
  await expect(page.getByRole("heading").first()).toBeVisible();
  expect(violations).toEqual([]);
});
