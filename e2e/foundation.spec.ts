import { expect, test } from "@playwright/test";
import { signIn } from "./helpers/auth";
import { closeDatabase, query } from "./helpers/db";

// The walking skeleton, end to end: a fresh `liber start` imports the demo data, the dashboard
// lists its users, and a user's page shows their behaviour log, all as stored in the database.

const fmt = (n: number) => new Intl.NumberFormat("en-US").format(n);

test.afterAll(async () => {
  await closeDatabase();
});

test("the dashboard lists the demo users and a user's behaviour log, as stored", async ({ page }) => {
  const users = (await query<{ n: number }>("SELECT count(*)::int AS n FROM users"))[0]!.n;
  expect(users, "the first start imports demo users").toBeGreaterThan(0);

  await signIn(page, "admin");
  await page.goto("/");
  await expect(page).toHaveURL(/\/users(\?|$)/);

  const usersTable = page.getByRole("table", { name: "Users" });
  await expect(usersTable).toBeVisible();
  const rows = usersTable.locator("tbody tr");
  await expect(rows.first()).toBeVisible();
  const shown = await rows.count();
  await expect(page.getByRole("navigation", { name: "Users pages" })).toContainText(
    `Showing 1–${fmt(shown)} of ${fmt(users)} users`,
  );

  // Every listed user exists, with as many events as the log holds for them.
  // textContent, not innerText: the headers are styled upper-case.
  const headers = (await usersTable.getByRole("columnheader").allTextContents()).map((h) => h.trim());
  const eventsColumn = headers.findIndex((h) => /^events\b/i.test(h));
  expect(eventsColumn, `an "Events" column among: ${headers.join(" | ")}`).toBeGreaterThanOrEqual(0);
  const listed: { externalId: string; events: string }[] = [];
  for (let i = 0; i < shown; i++) {
    const cells = rows.nth(i).getByRole("cell");
    listed.push({
      externalId: (await cells.first().innerText()).trim(),
      events: (await cells.nth(eventsColumn).innerText()).trim(),
    });
  }
  const stored = await query<{ external_id: string; events: number }>(
    `SELECT u.external_id, (SELECT count(*)::int FROM behaviors b WHERE b.user_id = u.id) AS events
     FROM users u WHERE u.external_id = ANY($1)`,
    [listed.map((l) => l.externalId)],
  );
  const eventsOf = new Map(stored.map((s) => [s.external_id, s.events]));
  for (const l of listed) {
    expect(eventsOf.has(l.externalId), `listed user ${l.externalId} is in the database`).toBe(true);
    expect(l.events, `events of user ${l.externalId}`).toBe(fmt(eventsOf.get(l.externalId)!));
  }

  // Open the first listed user with events, from the list.
  const chosen = listed.find((l) => eventsOf.get(l.externalId)! > 0);
  expect(chosen, "a listed user with events").toBeDefined();
  const { externalId } = chosen!;
  const eventCount = eventsOf.get(externalId)!;
  await usersTable.getByRole("link", { name: externalId, exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/users/${encodeURIComponent(externalId)}(\\?|$)`));

  const log = page.getByRole("table", { name: "Behaviour log" });
  await expect(log).toBeVisible();
  const logRows = log.locator("tbody tr");
  await expect(logRows.first()).toBeVisible();
  const logShown = await logRows.count();
  await expect(page.getByRole("navigation", { name: "Behaviour log pages" })).toContainText(
    `Showing 1–${fmt(logShown)} of ${fmt(eventCount)} behaviours`,
  );

  // Newest first: the first rows are the user's latest behaviours, item by item.
  const latest = await query<{ title: string }>(
    `SELECT i.title FROM behaviors b JOIN users u ON u.id = b.user_id JOIN items i ON i.id = b.item_id
     WHERE u.external_id = $1 ORDER BY b.ts DESC, b.id DESC LIMIT $2`,
    [externalId, Math.min(logShown, 5)],
  );
  expect(latest.length).toBeGreaterThan(0);
  for (const [i, { title }] of latest.entries()) {
    await expect(logRows.nth(i), `behaviour log row ${i + 1} of user ${externalId}`).toContainText(title);
  }
});
