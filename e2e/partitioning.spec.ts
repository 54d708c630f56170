import { expect, test, type Locator, type Page } from "@playwright/test";
import { signIn } from "./helpers/auth";
import { closeDatabase, query } from "./helpers/db";

// Issue 4 (UBSP) end to end: the first start partitions the demo log under the active config;
// a user's page draws those partitions as a timeline whose bands open their behaviours; the
// Partitioning page previews a changed K (user timeline, population, LLM estimate) without
// saving, saves it as a version, and activation is a separate, confirmed step.

test.describe.configure({ mode: "serial" });

test.afterAll(async () => {
  await closeDatabase();
});

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

/** The demo user with the longest log, and their sealed partitions under the active config. */
async function busiestUserWithPartitions() {
  const [user] = await query<{ external_id: string; events: number }>(
    `SELECT u.external_id, count(*)::int AS events FROM behaviors b JOIN users u ON u.id = b.user_id
     GROUP BY u.external_id ORDER BY events DESC, u.external_id LIMIT 1`,
  );
  expect(user, "the first start imports the demo data").toBeDefined();
  const partitions = await query<{ seq: number; count: number }>(
    `SELECT p.seq, p.count FROM partitions p
       JOIN users u ON u.id = p.user_id
       JOIN partition_config_labels l ON l.config_id = p.config_id AND l.label = 'active'
     WHERE u.external_id = $1 ORDER BY p.seq`,
    [user!.external_id],
  );
  return { externalId: user!.external_id, partitions };
}

/** Waits until the what-if preview has settled on a result and returns its figures. */
async function settledPreview(page: Page) {
  await expect(page.getByRole("status").filter({ hasText: /^Preview computed in/ })).toBeVisible({ timeout: 30_000 });
  const number = async (l: Locator) => Number((await l.getAttribute("data-value")) ?? NaN);
  return {
    partitions: await number(page.getByTestId("draft-partitions")),
    calls: await number(page.getByTestId("estimate-calls")),
    promptTokens: await number(page.getByTestId("estimate-prompt-tokens")),
    completionTokens: await number(page.getByTestId("estimate-completion-tokens")),
    cost: await number(page.getByTestId("estimate-cost")),
    userSummary: (await page.getByTestId("user-preview-summary").innerText()).trim(),
  };
}

test("a demo user's timeline shows their partitions, and a partition lists its behaviours", async ({ page }) => {
  const { externalId, partitions } = await busiestUserWithPartitions();
  expect(partitions.length, `partitions of user ${externalId} under the active config`).toBeGreaterThan(2);

  await signIn(page, "admin");
  await page.goto(`/users/${encodeURIComponent(externalId)}`);
  const timeline = page.getByRole("group", { name: new RegExp(`^Partitions of user ${escape(externalId)} under `) });
  await expect(timeline).toBeVisible();
  await expect(timeline.getByRole("button", { name: /^Partition \d+:/ })).toHaveCount(partitions.length);
  await expect(page.getByText(new RegExp(`^${partitions.length} sealed partitions · `))).toBeVisible();
  await expect(page.getByRole("heading", { name: "Category shares from partition to partition" })).toBeVisible();

  // Partition 2 on screen is seq 1: click it, its behaviours appear, as stored.
  const second = partitions[1]!;
  await timeline.getByRole("button", { name: new RegExp(`^Partition 2: ${plural(second.count, "event")}, `) }).click();
  const behaviours = page.getByRole("table", { name: "Behaviours of partition 2" });
  await expect(behaviours.locator("tbody tr")).toHaveCount(second.count);
  const titles = await query<{ title: string }>(
    `SELECT i.title FROM partitions p
       CROSS JOIN unnest(p.behavior_ids) AS m(id)
       JOIN behaviors b ON b.id = m.id
       JOIN items i ON i.id = b.item_id
       JOIN users u ON u.id = p.user_id
       JOIN partition_config_labels l ON l.config_id = p.config_id AND l.label = 'active'
     WHERE u.external_id = $1 AND p.seq = $2 ORDER BY b.ts, b.id`,
    [externalId, second.seq],
  );
  expect(titles).toHaveLength(second.count);
  for (const [i, { title }] of titles.slice(0, 5).entries()) {
    await expect(behaviours.locator("tbody tr").nth(i), `behaviour ${i + 1} of partition 2`).toContainText(title);
  }
  await page.getByRole("button", { name: "Close" }).click();
  await expect(behaviours).toHaveCount(0);

  // Keyboard: the bands are one tab stop; arrows move between them, Enter opens one.
  const first = timeline.getByRole("button", { name: /^Partition 1:/ });
  await first.focus();
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await expect(timeline.getByRole("button", { name: /^Partition 3:/ })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("table", { name: "Behaviours of partition 3" }).locator("tbody tr")).toHaveCount(
    partitions[2]!.count,
  );

  // The open cache (behaviours not sealed yet) is the last band, drawn apart, and opens the same way.
  const [open] = await query<{ n: number }>(
    `SELECT coalesce((SELECT cardinality(s.open_behavior_ids) FROM partition_states s
       JOIN users u ON u.id = s.user_id
       JOIN partition_config_labels l ON l.config_id = s.config_id AND l.label = 'active'
     WHERE u.external_id = $1 AND (s.state->>'nextSeq')::int = $2), 0)::int AS n`,
    [externalId, partitions.length],
  );
  if (open!.n > 0) {
    await page.keyboard.press("End");
    const openBand = timeline.getByRole("button", {
      name: new RegExp(`^Open cache: ${plural(open!.n, "event")}, .*, not sealed yet$`),
    });
    await expect(openBand).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page.getByRole("table", { name: "Behaviours of open cache" }).locator("tbody tr")).toHaveCount(
      open!.n,
    );
  }
});

test("changing K previews the partitions and the LLM estimate at once, and saving creates a version", async ({
  page,
}) => {
  await signIn(page, "admin");
  await page.goto("/partitioning");
  const k = page.getByLabel("Max count (K)", { exact: true });
  await expect(k).toBeEnabled();
  // The draft starts from the active version: nothing would differ, so nothing to summarise.
  const [active] = await query<{ id: number; name: string; version: number; config: { maxCount?: number } }>(
    `SELECT c.id, c.name, c.version, c.config FROM partition_configs c
       JOIN partition_config_labels l ON l.config_id = c.id AND l.label = 'active'`,
  );
  expect(active, "an active partition config").toBeDefined();
  await expect(page.getByText(`Started from ${active!.name} v${active!.version}`)).toBeVisible();
  const before = await settledPreview(page);
  expect(before.calls).toBe(0);
  await expect(page.getByTestId("draft-differing")).toHaveText("0");

  // A smaller K seals more partitions, all of them new: the preview and the estimate change.
  const newK = Math.max(2, Math.floor((active!.config.maxCount ?? 50) / 2));
  await k.fill(String(newK));
  await expect(page.getByTestId("draft-partitions")).not.toHaveAttribute("data-value", String(before.partitions), {
    timeout: 30_000,
  });
  const after = await settledPreview(page);
  expect(after.partitions).toBeGreaterThan(before.partitions);
  expect(after.calls).toBeGreaterThan(0);
  expect(after.userSummary).not.toBe(before.userSummary);
  // The estimate follows the pricing inputs (defaults: 200 output tokens per call, $0.15 / $0.60 per 1M).
  expect(after.completionTokens).toBe(after.calls * 200);
  expect(after.cost).toBeCloseTo((after.promptTokens * 0.15 + after.completionTokens * 0.6) / 1e6, 6);

  // Repricing output tokens changes the cost at once, nothing else.
  await page.getByLabel("Output price ($ per 1M tokens)").fill("6");
  await expect(page.getByTestId("estimate-cost")).not.toHaveAttribute("data-value", String(after.cost), {
    timeout: 30_000,
  });
  const repriced = await settledPreview(page);
  expect(repriced.calls).toBe(after.calls);
  expect(repriced.cost).toBeCloseTo((after.promptTokens * 0.15 + after.completionTokens * 6) / 1e6, 6);

  // Nothing was saved by previewing.
  const versionsBefore = (await query<{ n: number }>("SELECT count(*)::int AS n FROM partition_configs"))[0]!.n;

  // Save the draft as a new version: it appears in the list, not active.
  const name = `e2e-k${newK}`;
  const save = page.getByRole("form", { name: "Save the draft as a version" });
  await save.getByLabel("Name").fill(name);
  await save.getByLabel(/^Note/).fill("half of K, from the e2e suite");
  await save.getByRole("button", { name: "Save version" }).click();
  await expect(save.getByRole("status")).toContainText(`Saved ${name} v1.`);
  const versions = page.getByRole("table", { name: "Config versions" });
  const row = versions.getByRole("row").filter({ hasText: `${name} v1` });
  await expect(row).toBeVisible();
  await expect(row).toContainText(`K ${newK}`);
  await expect(row).toContainText("half of K, from the e2e suite");
  await expect(row.getByText("active", { exact: true })).toHaveCount(0);
  const stored = await query<{ config: { maxCount?: number }; note: string }>(
    "SELECT config, note FROM partition_configs WHERE name = $1",
    [name],
  );
  expect(stored).toEqual([
    { config: expect.objectContaining({ maxCount: newK }), note: "half of K, from the e2e suite" },
  ]);
  expect((await query<{ n: number }>("SELECT count(*)::int AS n FROM partition_configs"))[0]!.n).toBe(
    versionsBefore + 1,
  );

  // Making it active is a separate step behind a confirmation; cancelling changes nothing.
  await row.getByRole("button", { name: `Make ${name} v1 active` }).click();
  const dialog = page.getByRole("dialog", { name: `Make ${name} v1 active?` });
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toHaveCount(0);
  expect(
    (await query<{ config_id: number }>("SELECT config_id FROM partition_config_labels WHERE label = 'active'"))[0]!
      .config_id,
  ).toBe(active!.id);
  await row.getByRole("button", { name: `Make ${name} v1 active` }).click();
  await dialog.getByRole("button", { name: "Make active" }).click();
  await expect(row.getByText("active", { exact: true })).toBeVisible();

  // The diff between the two versions names the changed rule.
  const diff = page.getByTestId("config-diff");
  await expect(diff.getByRole("table", { name: "Rule changes" })).toContainText("Max count (K)");

  // Put the original version back, so later specs see the demo as the first start left it.
  const original = versions.getByRole("row").filter({ hasText: `${active!.name} v${active!.version}` });
  await original.getByRole("button", { name: `Make ${active!.name} v${active!.version} active` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Make active" }).click();
  await expect(original.getByText("active", { exact: true })).toBeVisible();
  const activeNow = await query<{ config_id: number }>(
    "SELECT config_id FROM partition_config_labels WHERE label = 'active'",
  );
  expect(activeNow).toEqual([{ config_id: active!.id }]);
});

test("a viewer browses and compares versions but gets no what-if, save or activate controls", async ({
  browser,
  page,
}) => {
  // A viewer of this spec's own, created by the admin through the API.
  const viewer = { name: "e2e-partitioning-viewer", password: "viewer-partitioning-e2e" };
  await signIn(page, "admin");
  const status = await page.evaluate(
    (body) =>
      fetch("/api/accounts", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      }).then((r) => r.status),
    { ...viewer, role: "viewer" },
  );
  expect([201, 200, 409]).toContain(status);

  const context = await browser.newContext();
  const viewerPage = await context.newPage();
  await viewerPage.goto("/signin");
  await viewerPage.getByLabel("Name").fill(viewer.name);
  await viewerPage.getByLabel("Password", { exact: true }).fill(viewer.password);
  await viewerPage.getByRole("button", { name: "Sign in" }).click();
  await viewerPage.waitForURL((url) => !url.pathname.startsWith("/signin"));

  await viewerPage.goto("/partitioning");
  const versions = viewerPage.getByRole("table", { name: "Config versions" });
  await expect(versions.getByText("active", { exact: true })).toBeVisible();
  await expect(viewerPage.getByText("Trying new thresholds and saving them needs the editor role.")).toBeVisible();
  await expect(viewerPage.getByRole("button", { name: "Save version" })).toHaveCount(0);
  await expect(viewerPage.getByRole("button", { name: /^Make .* active$/ })).toHaveCount(0);
  await expect(viewerPage.getByRole("button", { name: /^Recompute / })).toHaveCount(0);
  await expect(viewerPage.getByLabel("Max count (K)", { exact: true })).toHaveCount(0);
  // Reading stays open: the comparison of two versions (the previous test saved a second one).
  await expect(viewerPage.getByTestId("config-diff").getByRole("table", { name: "Rule changes" })).toContainText(
    "Max count (K)",
  );
  await context.close();
});
