import { expect, test } from "@playwright/test";
import { signIn } from "./helpers/auth";
import { closeDatabase, query } from "./helpers/db";

// Issue 12 (jobs) end to end, on the app as `npm start` runs it (a worker in the server's
// process): change a partition threshold, trigger a recomputation with its estimate, watch the
// run's progress bar reach done on the Jobs page, and see a user's timeline and cascade
// recomputed; then cancel a second run midway. The first start's demo summaries come from the
// same pipeline (lib/jobs/follow-up.ts), checked first.

test.describe.configure({ mode: "serial" });

test.afterAll(async () => {
  await closeDatabase();
});

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

test("the first start summarised the demo data through a job run", async () => {
  const runs = await query<{ kind: string; status: string; created_by: string; partitions_done: number }>(
    `SELECT kind, status, created_by, partitions_done FROM job_runs ORDER BY id LIMIT 1`,
  );
  expect(runs[0]).toMatchObject({ kind: "ingest", status: "done", created_by: "demo" });
  const [missing] = await query<{ n: number }>(
    `SELECT count(*)::int AS n FROM partitions p JOIN partition_config_labels l ON l.config_id = p.config_id AND l.label = 'active'
     WHERE NOT EXISTS (SELECT 1 FROM partition_summaries s WHERE s.user_id = p.user_id AND s.config_id = p.config_id AND s.seq = p.seq AND s.status = 'ok')`,
  );
  expect(missing!.n).toBe(0);
});

test("a changed threshold, recomputed as a job with an estimate, updates the user's timeline and cascade", async ({
  page,
}) => {
  test.setTimeout(300_000);
  const [active] = await query<{ id: number; name: string; version: number; config: { maxCount?: number } }>(
    `SELECT c.id, c.name, c.version, c.config FROM partition_configs c JOIN partition_config_labels l ON l.config_id = c.id AND l.label = 'active'`,
  );
  const [user] = await query<{ external_id: string }>(
    `SELECT u.external_id FROM users u ORDER BY u.event_count DESC, u.external_id LIMIT 1`,
  );
  await signIn(page, "admin");

  // Change K, save, make active.
  await page.goto("/partitioning");
  const newK = Math.max(2, Math.floor((active!.config.maxCount ?? 50) * 0.8));
  await page.getByLabel("Max count (K)", { exact: true }).fill(String(newK));
  const name = `e2e-jobs-k${newK}`;
  const save = page.getByRole("form", { name: "Save the draft as a version" });
  await save.getByLabel("Name").fill(name);
  await save.getByRole("button", { name: "Save version" }).click();
  await expect(save.getByRole("status")).toContainText(`Saved ${name} v1.`);
  const row = page
    .getByRole("table", { name: "Config versions" })
    .getByRole("row")
    .filter({ hasText: `${name} v1` });
  await row.getByRole("button", { name: `Make ${name} v1 active` }).click();
  await page
    .getByRole("dialog", { name: `Make ${name} v1 active?` })
    .getByRole("button", { name: "Make active" })
    .click();
  await expect(row.getByText("active", { exact: true })).toBeVisible();

  // Trigger: the estimate comes first, then an explicit start.
  await page.getByRole("button", { name: new RegExp(`^Recompute ${escape(name)} v1 with summaries`) }).click();
  const panel = page.getByRole("region", { name: "Recompute" });
  const calls = panel.getByTestId("run-estimate-calls");
  await expect(calls).toHaveText(/^[\d,]+$/, { timeout: 60_000 });
  expect(Number((await calls.innerText()).replace(/,/g, ""))).toBeGreaterThan(0);
  await expect(panel.getByTestId("run-estimate-cost")).toBeVisible();
  await panel.getByRole("button", { name: "Start run" }).click();
  await expect(panel.getByRole("status")).toContainText(/Queued as job #\d+/);
  const runId = Number((await panel.getByRole("status").innerText()).match(/#(\d+)/)![1]);

  // The Jobs page follows it to done.
  await panel.getByRole("link", { name: "Follow it on the Jobs page" }).click();
  await expect(page).toHaveURL(/\/jobs$/);
  const card = page.getByTestId(`job-${runId}`);
  await expect(card).toBeVisible();
  await expect(card).toHaveAttribute("data-status", "done", { timeout: 240_000 });
  await expect(card.getByRole("progressbar")).toHaveAttribute("aria-valuenow", "100");

  // The user's timeline and cascade show the new partitions, all summarised.
  const partitions = await query<{ seq: number }>(
    `SELECT p.seq FROM partitions p JOIN users u ON u.id = p.user_id JOIN partition_configs c ON c.id = p.config_id
     WHERE u.external_id = $1 AND c.name = $2 ORDER BY p.seq`,
    [user!.external_id, name],
  );
  expect(partitions.length).toBeGreaterThan(0);
  await page.goto(`/users/${encodeURIComponent(user!.external_id)}`);
  const timeline = page.getByRole("group", {
    name: new RegExp(`^Partitions of user ${escape(user!.external_id)} under ${escape(name)} v1$`),
  });
  const cascade = page.getByRole("list", { name: `Interest summaries of user ${user!.external_id}` });
  // A loaded machine may take a while to draw a long history: reload until it shows.
  await expect(async () => {
    if (!(await timeline.isVisible())) await page.reload();
    await expect(timeline.getByRole("button", { name: /^Partition \d+:/ })).toHaveCount(partitions.length, {
      timeout: 20_000,
    });
  }).toPass({ timeout: 120_000 });
  await expect(page.getByText(new RegExp(`^${partitions.length} sealed partitions · `))).toBeVisible();
  await expect(cascade.locator('[data-testid="summary-card"][data-status="ok"]')).toHaveCount(partitions.length, {
    timeout: 60_000,
  });
  const [summarised] = await query<{ n: number }>(
    `SELECT count(*)::int AS n FROM partition_summaries s JOIN users u ON u.id = s.user_id JOIN partition_configs c ON c.id = s.config_id
     WHERE u.external_id = $1 AND c.name = $2 AND s.status = 'ok'`,
    [user!.external_id, name],
  );
  expect(summarised!.n).toBe(partitions.length);

  // Later specs expect the demo as the first start left it: the original version active again.
  await page.goto("/partitioning");
  const original = page
    .getByRole("table", { name: "Config versions" })
    .getByRole("row")
    .filter({ hasText: `${active!.name} v${active!.version}` });
  await original.getByRole("button", { name: `Make ${active!.name} v${active!.version} active` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Make active" }).click();
  await expect(original.getByText("active", { exact: true })).toBeVisible();
});

test("a second run can be cancelled midway; what it finished stays, the rest is left undone", async ({ page }) => {
  test.setTimeout(180_000);
  await signIn(page, "admin");
  // A new prompt version: every partition needs a summary with it, a run long enough to cancel.
  const created = await page.evaluate(async () => {
    const post = (url: string, body: unknown) =>
      fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then(
        async (r) => ({ status: r.status, body: await r.json() }),
      );
    const { prompts } = (await fetch("/api/prompts").then((r) => r.json())) as {
      prompts: { labels: string[]; system: string; userTemplate: string }[];
    };
    const production = prompts.find((p) => p.labels.includes("production"))!;
    const version = await post("/api/prompts", {
      name: "e2e-jobs-cancel",
      system: `${production.system}\nBe brief.`,
      userTemplate: production.userTemplate,
      note: "e2e jobs: a run to cancel",
    });
    const run = await post("/api/jobs", { scope: { all: true }, steps: ["summarise"], prompt: version.body.prompt.id });
    return { version: version.status, run: run.status, runId: run.body.run?.id as number };
  });
  expect(created).toMatchObject({ version: 201, run: 200 });

  await page.goto("/jobs");
  const card = page.getByTestId(`job-${created.runId}`);
  await expect(card).toHaveAttribute("data-status", "running", { timeout: 60_000 });
  await expect
    .poll(async () => Number(await card.getByRole("progressbar").getAttribute("aria-valuenow")), { timeout: 60_000 })
    .toBeGreaterThan(0);
  await card.getByRole("button", { name: "Cancel" }).click();
  await expect(card).toHaveAttribute("data-status", "cancelled");
  const [run] = await query<{ status: string; partitions_done: number; partitions_total: number }>(
    `SELECT status, partitions_done, partitions_total FROM job_runs WHERE id = $1`,
    [created.runId],
  );
  expect(run!.status).toBe("cancelled");
  expect(run!.partitions_done).toBeGreaterThan(0);
  expect(run!.partitions_done).toBeLessThan(run!.partitions_total);
  // Workers stop within a heartbeat: a few seconds later nothing more is written for it.
  await page.waitForTimeout(5000);
  const [later] = await query<{ running: number }>(
    `SELECT count(*)::int AS running FROM job_run_items WHERE run_id = $1 AND status = 'running'`,
    [created.runId],
  );
  expect(later!.running).toBe(0);
});
