import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./helpers/auth";
import { closeDatabase, e2eDatabaseUrl, query } from "./helpers/db";

// Issue 3 item 6 ("Bad input") end to end: item titles, categories, user ids and LLM output
// that hold HTML or script are shown as text. Items get in the way they do in real life, by
// `liber import` of a catalogue; a user is created through POST /api/behaviors; the builtin
// summariser quotes the titles in its summaries. Then the user's page, the Users list and the
// cascade must show every payload literally, and none of them may run: no dialog opens,
// window.__xss stays undefined, and no <img src=x> is ever requested.

test.describe.configure({ mode: "serial" });

const RUN = Date.now().toString(36);
/** Sets window.__xss if it is ever parsed as HTML. */
const XSS_TITLE = `<img src=x onerror="window.__xss=1">`;
const ALERT_TITLE = "<img src=x onerror=alert(1)>";
const SCRIPT_TITLE = "<script>window.__xss=2;alert(2)</script>";
const SQL_TITLE = "'); DROP TABLE behaviors; --";
const XSS_CATEGORY = `<b onmouseover="window.__xss=3">bold</b>`;
/** Users whose external ids are payloads too (the Users list shows ids, not titles). */
const IMPORTED_USER = `<img src=x onerror="window.__xss=4">-${RUN}`;
const API_USER = `<script>window.__xss=5</script>-${RUN}`;

const item = (name: string) => `e2e-hostile-${RUN}-${name}`;
const REPO = path.resolve(import.meta.dirname, "..");

test.afterAll(async () => {
  await closeDatabase();
});

/** Records every dialog the page opens and every request for the payloads' src=x. */
function watchForExecution(page: Page): { dialogs: string[]; xRequests: string[] } {
  const seen = { dialogs: [] as string[], xRequests: [] as string[] };
  page.on("dialog", (dialog) => {
    seen.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on("request", (req) => {
    if (/\/x$/.test(new URL(req.url()).pathname)) seen.xRequests.push(req.url());
  });
  return seen;
}

async function expectNothingRan(page: Page, seen: ReturnType<typeof watchForExecution>): Promise<void> {
  expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
  expect(seen.dialogs, "no alert/confirm/prompt dialog opened").toEqual([]);
  expect(seen.xRequests, "no <img src=x> was created").toEqual([]);
}

test("an imported catalogue and an API event put HTML/script payloads into the database verbatim", async ({ page }) => {
  test.setTimeout(120_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "liber-e2e-hostile-"));
  try {
    const catalogue = path.join(dir, "catalogue.ndjson");
    fs.writeFileSync(
      catalogue,
      [
        { id: item("xss"), title: XSS_TITLE, categories: [XSS_CATEGORY, "drama"] },
        { id: item("script"), title: SCRIPT_TITLE, categories: ["comedy"] },
        { id: item("sql"), title: SQL_TITLE, categories: ["drama"] },
        { id: item("alert"), title: ALERT_TITLE, categories: ["drama"] },
      ]
        .map((r) => JSON.stringify(r))
        .join("\n") + "\n",
    );
    // Two bursts over the three payload items, 200 days apart: under the default config (K = 50,
    // 90-day gap) that seals two partitions, one by count and one by gap, so the cascade has work to do.
    const start = Date.UTC(2023, 0, 1);
    const burst = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        user: IMPORTED_USER,
        item: item(["xss", "script", "sql"][i % 3]!),
        ts: new Date(from + i * 3_600_000).toISOString(),
      }));
    const events = [...burst(start, 60), ...burst(start + 200 * 86_400_000, 5)];
    const log = path.join(dir, "events.ndjson");
    const lines = events.map((e) => JSON.stringify(e));
    lines.push(JSON.stringify({ user: IMPORTED_USER, item: item("xss"), ts: "3000-01-01T00:00:00Z" })); // rejected: far future
    fs.writeFileSync(log, lines.join("\n") + "\n");

    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        "bin/liber.mjs",
        "import",
        "ndjson",
        log,
        "--map",
        "user=user,item=item,ts=ts",
        "--kind",
        "play",
        "--items",
        catalogue,
        "--source",
        `e2e-hostile-${RUN}`,
        "--json",
        "--no-summarise",
      ],
      { cwd: REPO, env: { ...process.env, DATABASE_URL: e2eDatabaseUrl() } },
    );
    const report = JSON.parse(stdout) as {
      status: string;
      inserted: number;
      itemsCreated: number;
      errors: { file: string; line: number; reason: string }[];
    };
    expect(report).toMatchObject({ status: "succeeded", inserted: events.length, itemsCreated: 4 });
    expect(report.errors).toEqual([
      { file: log, line: events.length + 1, reason: expect.stringMatching(/^timestamp in the future \(3000-01-01/) },
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const stored = await query<{ external_id: string; title: string; categories: string[] }>(
    `SELECT external_id, title, categories FROM items WHERE external_id LIKE $1 ORDER BY external_id`,
    [`e2e-hostile-${RUN}-%`],
  );
  expect(new Map(stored.map((r) => [r.external_id, r.title]))).toEqual(
    new Map([
      [item("alert"), ALERT_TITLE],
      [item("script"), SCRIPT_TITLE],
      [item("sql"), SQL_TITLE],
      [item("xss"), XSS_TITLE],
    ]),
  );
  const [sealed] = await query<{ n: number }>(
    `SELECT count(*)::int AS n FROM partitions p JOIN users u ON u.id = p.user_id
       JOIN partition_config_labels l ON l.config_id = p.config_id AND l.label = 'active'
      WHERE u.external_id = $1`,
    [IMPORTED_USER],
  );
  expect(sealed!.n, "the import sealed partitions of the user under the active config").toBeGreaterThanOrEqual(1);

  // A second user, created by the ingestion API (createUsers=true) with a token made by the admin.
  await signIn(page, "admin");
  const origin = new URL(page.url()).origin;
  const created = await page.request.post("/api/tokens", {
    data: { name: `e2e hostile ${RUN}`, role: "editor" },
    headers: { origin },
  });
  expect(created.status()).toBe(200);
  const { token, apiToken } = (await created.json()) as { token: string; apiToken: { id: number } };
  try {
    const ingest = await page.request.post("/api/behaviors?createUsers=true", {
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      data: JSON.stringify([
        { user: API_USER, item: item("alert"), ts: "2024-05-01T12:00:00Z", kind: "click", text: SCRIPT_TITLE },
      ]),
    });
    expect(await ingest.json()).toEqual({ accepted: 1, duplicate: 0, rejected: 0, errors: [] });
    // The same request with an unknown item is refused whole, with a 422 that names the item.
    const refused = await page.request.post("/api/behaviors?createUsers=true", {
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      data: JSON.stringify([
        { user: `${API_USER}-2`, item: `<b>no such item</b>`, ts: "2024-05-01T12:00:00Z", kind: "click" },
      ]),
    });
    expect(refused.status()).toBe(422);
    expect(((await refused.json()) as { errors: { message: string }[] }).errors).toEqual([
      { index: 0, message: 'unknown item "<b>no such item</b>"' },
    ]);
  } finally {
    await page.request.delete(`/api/tokens/${apiToken.id}`, { headers: { origin } });
  }
  expect(
    await query(`SELECT external_id FROM users WHERE external_id LIKE $1 ORDER BY external_id`, [`%-${RUN}%`]),
  ).toEqual([{ external_id: IMPORTED_USER }, { external_id: API_USER }]);
});

test("the user's page and the Users list show the payloads as text and run none of them", async ({ page }) => {
  const seen = watchForExecution(page);
  await signIn(page, "admin");

  // The user created through the API: its id and the item title are text.
  await page.goto(`/users/${encodeURIComponent(API_USER)}`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(API_USER);
  const log = page.getByRole("table", { name: "Behaviour log" });
  await expect(log.getByText(ALERT_TITLE, { exact: true })).toBeVisible();
  await expectNothingRan(page, seen);

  // The imported user: every title of its log is shown literally.
  await page.goto(`/users/${encodeURIComponent(IMPORTED_USER)}`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(IMPORTED_USER);
  for (const title of [XSS_TITLE, SCRIPT_TITLE, SQL_TITLE])
    await expect(log.getByText(title, { exact: true }).first()).toBeVisible();
  await expectNothingRan(page, seen);

  // The Users list, searched down to this run's users: their ids are links with the literal text.
  await page.goto(`/users?q=${encodeURIComponent(RUN)}`);
  const table = page.getByRole("table", { name: "Users" });
  await expect(table.getByRole("link", { name: IMPORTED_USER, exact: true })).toBeVisible();
  await expect(table.getByRole("link", { name: API_USER, exact: true })).toBeVisible();
  await table.getByRole("link", { name: IMPORTED_USER, exact: true }).hover();
  await expectNothingRan(page, seen);
  // No markup made it into the DOM as elements.
  expect(await page.locator("img[src='x'], script:has-text('__xss'), b[onmouseover]").count()).toBe(0);
});

test("LLM output that quotes the titles (the builtin summariser) is rendered as text too", async ({ page }) => {
  test.setTimeout(120_000);
  const seen = watchForExecution(page);
  await signIn(page, "admin");
  const origin = new URL(page.url()).origin;

  const run = await page.request.post(`/api/users/${encodeURIComponent(IMPORTED_USER)}/summaries/run`, {
    data: {},
    headers: { origin },
  });
  expect(run.status(), await run.text()).toBe(200);
  expect(((await run.json()) as { failed: number }).failed).toBe(0);

  // The stored summaries quote the payload title (what an LLM echoing a title would do).
  const summaries = await query<{ seq: number; summary: string; llm_call_id: number | null }>(
    `SELECT s.seq, s.summary, s.llm_call_id FROM partition_summaries s JOIN users u ON u.id = s.user_id
       JOIN partition_config_labels l ON l.config_id = s.config_id AND l.label = 'active'
       JOIN prompt_labels pl ON pl.prompt_version_id = s.prompt_version_id AND pl.label = 'production'
      WHERE u.external_id = $1 AND s.status = 'ok' ORDER BY s.seq`,
    [IMPORTED_USER],
  );
  const quoting = summaries.find((s) => s.summary.includes(XSS_TITLE));
  expect(quoting, `a summary quotes ${XSS_TITLE}: ${JSON.stringify(summaries)}`).toBeDefined();

  await page.goto(`/users/${encodeURIComponent(IMPORTED_USER)}`);
  const cascade = page.getByRole("region", { name: "Interest cascade" });
  const card = cascade.locator(`[data-testid="summary-card"][data-seq="${quoting!.seq}"]`);
  await expect(card).toHaveAttribute("data-status", "ok", { timeout: 30_000 });
  const text = card.getByTestId("summary-text");
  await expect(text).toContainText(XSS_TITLE);
  expect((await text.innerText()).trim()).toBe(quoting!.summary.trim());
  // Interest labels come from the categories, one of which is markup.
  await expect(card.getByText(XSS_CATEGORY).first()).toBeVisible();
  await expectNothingRan(page, seen);

  // The trace shows the prompt exactly as sent (the renderer defuses < and > in titles against
  // prompt injection) and the raw parsed output, which quotes the title: all of it as text.
  const [call] = await query<{ rendered_user: string }>(`SELECT rendered_user FROM llm_calls WHERE id = $1`, [
    quoting!.llm_call_id,
  ]);
  expect(call!.rendered_user).toContain("onerror");
  await card.getByRole("button", { name: "Open trace" }).click();
  const trace = page.getByRole("dialog");
  const userPrompt = trace.getByRole("region", { name: "User prompt" }).locator("pre");
  await expect(userPrompt).toContainText("onerror");
  expect(await userPrompt.textContent()).toBe(call!.rendered_user);
  await expect(trace.getByRole("region", { name: "Parsed result" }).locator("pre")).toContainText("onerror");
  await expectNothingRan(page, seen);
  expect(await page.locator("img[src='x'], b[onmouseover]").count()).toBe(0);
});
