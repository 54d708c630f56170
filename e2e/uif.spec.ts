import fs from "node:fs";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { signIn } from "./helpers/auth";
import { closeDatabase, query } from "./helpers/db";

// Issue 11 (UIF) end to end, on the demo data (the first start fits the builtin encoder and
// encodes every summarised partition): a user's Vectors section (heatmap hover and keyboard,
// the versions that made it, an export of that user), the population map (hover and click a
// dot, the selected user's nearest neighbours, one click to a neighbour) and a user without
// any sealed partition.

test.describe.configure({ mode: "serial" });

test.afterAll(async () => {
  await closeDatabase();
});

interface Encoder {
  id: number;
  version: string;
  dims: number;
}

/** The default encoder: the newest builtin version (what the demo encoded with). */
async function defaultEncoder(): Promise<Encoder> {
  const [row] = await query<Encoder>(
    // The app's default (lib/uif/store.ts latestEncoderVersion): the latest horizon, then the newest id. The CTR
    // spec, which runs first, fits a leak-free version as of an earlier cutoff: newer id, not the default.
    `SELECT id, version, dims FROM uif_encoder_versions WHERE kind = 'builtin'
      ORDER BY fitted_until DESC NULLS LAST, id DESC LIMIT 1`,
  );
  expect(row, "the first start fits a builtin encoder on the demo summaries").toBeDefined();
  return row!;
}

interface ChosenUser {
  externalId: string;
  /** Partitions with a summary vector under the encoder. */
  partitions: number;
}

/** A demo user with a readable number of encoded partitions under the active config. */
async function userWithVectors(encoderId: number): Promise<ChosenUser> {
  const [row] = await query<{ external_id: string; partitions: number }>(
    `SELECT u.external_id, count(DISTINCT v.seq)::int AS partitions
       FROM uif_partition_vectors v
       JOIN users u ON u.id = v.user_id
       JOIN partition_config_labels l ON l.config_id = v.config_id AND l.label = 'active'
      WHERE v.encoder_version_id = $1 AND v.text_kind = 'summary'
      GROUP BY u.external_id
     HAVING count(DISTINCT v.seq) BETWEEN 5 AND 40
      ORDER BY count(DISTINCT v.seq) DESC, u.external_id
      LIMIT 1`,
    [encoderId],
  );
  expect(row, "the first start encodes the demo users' partitions").toBeDefined();
  return { externalId: row!.external_id, partitions: row!.partitions };
}

async function storedPartition(externalId: string, seq: number): Promise<{ startDate: string; count: number }> {
  const [row] = await query<{ start_date: string; count: number }>(
    `SELECT to_char(p.start_ts AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS start_date, p.count
       FROM partitions p JOIN users u ON u.id = p.user_id
       JOIN partition_config_labels l ON l.config_id = p.config_id AND l.label = 'active'
      WHERE u.external_id = $1 AND p.seq = $2`,
    [externalId, seq],
  );
  expect(row).toBeDefined();
  return { startDate: row!.start_date, count: row!.count };
}

const vectorsSection = (page: Page) => page.getByRole("region", { name: "Vectors" });

/** The point in the middle of the heatmap cell of 0-based column `column`, first row. */
async function cellPosition(heatmap: Locator, columns: number, column: number): Promise<{ x: number; y: number }> {
  const box = (await heatmap.locator("svg").boundingBox())!;
  const labelWidth = 44; // heatmap-model.ts LABEL_WIDTH
  const columnWidth = (box.width - labelWidth) / columns;
  return { x: labelWidth + (column + 0.5) * columnWidth, y: 7 };
}

let encoder: Encoder;
let chosen: ChosenUser;

test("a user's Vectors section: heatmap hover and keyboard show the partition, versions are named, the export downloads that user", async ({
  page,
}) => {
  test.setTimeout(120_000);
  encoder = await defaultEncoder();
  chosen = await userWithVectors(encoder.id);
  await signIn(page, "admin");
  await page.goto(`/users/${encodeURIComponent(chosen.externalId)}`);

  const section = vectorsSection(page);
  await expect(section.getByRole("heading", { name: "Vectors" })).toBeVisible();
  const heatmap = section.getByTestId("vector-heatmap");
  // All of the user's partitions fit in the first (newest) window.
  await expect(heatmap).toHaveAttribute(
    "aria-label",
    `Partition vectors of user ${chosen.externalId}: ${chosen.partitions} partitions`,
    { timeout: 30_000 },
  );
  await expect(section.getByTestId("uif-versions")).toContainText(encoder.version);
  await expect(section.getByTestId("uif-versions")).toContainText(`${encoder.dims} d`);

  // Hover the newest partition's column: its number, dates and size, as stored.
  const last = chosen.partitions - 1;
  const newest = await storedPartition(chosen.externalId, last);
  await heatmap.locator("svg").hover({ position: await cellPosition(heatmap, chosen.partitions, last) });
  const tooltip = section.getByTestId("heatmap-tooltip");
  await expect(tooltip).toBeVisible();
  await expect(tooltip).toContainText(`Partition ${chosen.partitions}`);
  await expect(tooltip).toContainText(newest.startDate);
  await expect(tooltip).toContainText(`${newest.count} events`);
  await expect(tooltip).toContainText(/dimension \d+: [+−]\d\.\d{3}/);

  // Then the first: another partition, another tooltip.
  const first = await storedPartition(chosen.externalId, 0);
  await heatmap.locator("svg").hover({ position: await cellPosition(heatmap, chosen.partitions, 0) });
  await expect(tooltip).toContainText("Partition 1");
  await expect(tooltip).toContainText(first.startDate);

  // Keyboard: focus the heatmap and step right; the live region reads the cell.
  await page.mouse.move(0, 0);
  await heatmap.focus();
  await page.keyboard.press("Home");
  await page.keyboard.press("ArrowRight");
  await expect(heatmap.locator("[aria-live]")).toHaveText(/^Partition 2, .*; dimension \d+: [+−]\d\.\d{3}$/);

  // The drift curve and the attention weights sit beside it.
  await expect(section.getByText("Drift: cosine similarity with the previous partition")).toBeVisible();
  await expect(section.getByText("Attention weights of the fused vector")).toBeVisible();

  // Export this user's features as CSV: a header naming the columns, then one row for the user.
  const form = section.getByRole("form", { name: "Export this user's features" });
  const downloading = page.waitForEvent("download");
  await form.getByRole("link", { name: "Download" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^liber-features-.*\.csv$/);
  const lines = fs
    .readFileSync((await download.path())!, "utf8")
    .trimEnd()
    .split("\n");
  const header = lines[0]!.split(",");
  expect(header.slice(0, 7)).toEqual([
    "user",
    "as_of",
    "n_partitions",
    "config_id",
    "prompt_version_id",
    "encoder_version",
    "fusion_version",
  ]);
  expect(header).toHaveLength(7 + encoder.dims);
  expect(header.at(-1)).toBe(`f${encoder.dims - 1}`);
  expect(lines).toHaveLength(2);
  const row = lines[1]!.split(",");
  expect(row[0]).toBe(chosen.externalId);
  expect(Number(row[2])).toBe(chosen.partitions);
  expect(row[5]).toBe(encoder.version);
});

test("the population map: hover identifies a user and a click opens them; the selected user's neighbours lead to their pages", async ({
  page,
}) => {
  test.setTimeout(120_000);
  encoder ??= await defaultEncoder();
  chosen ??= await userWithVectors(encoder.id);
  const [{ users }] = (await query<{ users: number }>(
    `SELECT count(DISTINCT v.user_id)::int AS users FROM uif_partition_vectors v
       JOIN partition_config_labels l ON l.config_id = v.config_id AND l.label = 'active'
      WHERE v.encoder_version_id = $1`,
    [encoder.id],
  )) as [{ users: number }];
  await signIn(page, "admin");
  await page.goto("/users");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Population" }).click();
  await expect(page).toHaveURL(/\/population$/);
  await expect(
    page.getByRole("img", { name: new RegExp(`^Map of ${users.toLocaleString("en-US")} users by interest \\(PCA\\)`) }),
  ).toBeVisible({ timeout: 30_000 });

  // Hover across the map until a dot answers, then click it: that user's page opens.
  const map = page.getByTestId("population-map");
  const box = (await map.boundingBox())!;
  const tooltip = page.getByTestId("population-tooltip");
  let hit = false;
  for (let gy = 0.3; gy < 0.8 && !hit; gy += 0.04) {
    for (let gx = 0.2; gx < 0.8 && !hit; gx += 0.02) {
      await page.mouse.move(box.x + box.width * gx, box.y + box.height * gy);
      hit = await tooltip.isVisible();
    }
  }
  expect(hit, "some dot of the map answers a hover").toBe(true);
  const hovered = /^User (.+)$/m.exec(await tooltip.innerText())![1]!;
  await page.mouse.down();
  await page.mouse.up();
  await expect(page).toHaveURL(new RegExp(`/users/${encodeURIComponent(hovered)}$`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`User ${hovered}`);

  // The chosen user selected from the URL, with the nearest users by interest.
  await page.goto(`/population?user=${encodeURIComponent(chosen.externalId)}`);
  const list = page.getByRole("list", { name: `Nearest users to ${chosen.externalId}` });
  await expect(list.getByRole("listitem")).toHaveCount(Math.min(10, users - 1), { timeout: 30_000 });
  const api = await page.request.get(`/api/users/${encodeURIComponent(chosen.externalId)}/neighbours?k=10`);
  expect(api.status()).toBe(200);
  const { neighbours } = (await api.json()) as { neighbours: { user: string; similarity: number }[] };
  await expect(list.getByRole("link")).toHaveText(neighbours.map((n) => `User ${n.user}`));
  await expect(list.getByRole("listitem").first()).toContainText(neighbours[0]!.similarity.toFixed(3));
  // Ordered by similarity, nearest first.
  for (let i = 1; i < neighbours.length; i++)
    expect(neighbours[i - 1]!.similarity).toBeGreaterThanOrEqual(neighbours[i]!.similarity);

  await list.getByRole("link", { name: `User ${neighbours[0]!.user}` }).click();
  await expect(page).toHaveURL(new RegExp(`/users/${encodeURIComponent(neighbours[0]!.user)}$`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`User ${neighbours[0]!.user}`);
  await expect(vectorsSection(page).getByTestId("vector-heatmap")).toBeVisible({ timeout: 30_000 });
});

test("the population export downloads the listed users as JSON lines", async ({ page }) => {
  encoder ??= await defaultEncoder();
  chosen ??= await userWithVectors(encoder.id);
  await signIn(page, "admin");
  await page.goto("/population");
  const form = page.getByRole("form", { name: "Export features" });
  await form.getByRole("combobox", { name: "Format" }).selectOption("jsonl");
  await form.getByRole("textbox", { name: "Users" }).fill(chosen.externalId);
  const downloading = page.waitForEvent("download");
  await form.getByRole("link", { name: "Download" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/\.jsonl$/);
  const lines = fs
    .readFileSync((await download.path())!, "utf8")
    .trimEnd()
    .split("\n");
  expect(lines).toHaveLength(1);
  const first = JSON.parse(lines[0]!) as {
    user: string;
    n_partitions: number;
    fused: number[];
    encoder_version: string;
  };
  expect(first.user).toBe(chosen.externalId);
  expect(first.n_partitions).toBe(chosen.partitions);
  expect(first.encoder_version).toBe(encoder.version);
  expect(first.fused).toHaveLength(encoder.dims);
  // The fused vector is L2-normalised.
  expect(Math.hypot(...first.fused)).toBeCloseTo(1, 3);
});

test("a user with no sealed partition gets a clear empty Vectors section, not an error", async ({ page }) => {
  const [row] = await query<{ external_id: string }>(
    `SELECT u.external_id FROM users u
      WHERE NOT EXISTS (SELECT 1 FROM partitions p JOIN partition_config_labels l ON l.config_id = p.config_id AND l.label = 'active' WHERE p.user_id = u.id)
      ORDER BY u.external_id LIMIT 1`,
  );
  test.skip(!row, "every demo user has a sealed partition");
  await signIn(page, "admin");
  await page.goto(`/users/${encodeURIComponent(row!.external_id)}`);
  const section = vectorsSection(page);
  await expect(section.getByText("No sealed partitions yet")).toBeVisible({ timeout: 30_000 });
  await expect(section.getByRole("alert")).toHaveCount(0);
  await expect(section.getByTestId("vector-heatmap")).toHaveCount(0);
});

test("as of an earlier instant the section shows only the partitions sealed before it, under an encoder fitted on that past only", async ({
  page,
}) => {
  test.setTimeout(120_000);
  encoder ??= await defaultEncoder();
  // A user whose encoded partitions were sealed on at least two UTC days (MovieLens users often
  // rate a whole history in one day), and as-of = midnight of the last of those days: the
  // partitions sealed on earlier days count, those of the last day do not.
  const [pick] = await query<{ external_id: string; partitions: number; as_of: string }>(
    `WITH p AS (
       SELECT u.external_id, v.seq, date_trunc('day', v.sealed_at_ts AT TIME ZONE 'UTC') AS d
         FROM uif_partition_vectors v
         JOIN users u ON u.id = v.user_id
         JOIN partition_config_labels l ON l.config_id = v.config_id AND l.label = 'active'
        WHERE v.encoder_version_id = $1 AND v.text_kind = 'summary')
     SELECT external_id, count(DISTINCT seq)::int AS partitions, to_char(max(d), 'YYYY-MM-DD"T"HH24:MI') AS as_of
       FROM p GROUP BY external_id
     HAVING count(DISTINCT d) >= 2 AND count(DISTINCT seq) BETWEEN 3 AND 60
      ORDER BY count(DISTINCT seq) DESC, external_id
      LIMIT 1`,
    [encoder.id],
  );
  expect(pick, "a demo user whose partitions were sealed on two days or more").toBeDefined();
  const user: ChosenUser = { externalId: pick!.external_id, partitions: pick!.partitions };
  const asOf = pick!.as_of;
  const [{ before }] = (await query<{ before: number }>(
    `SELECT count(DISTINCT v.seq)::int AS before FROM uif_partition_vectors v JOIN users u ON u.id = v.user_id
       JOIN partition_config_labels l ON l.config_id = v.config_id AND l.label = 'active'
      WHERE u.external_id = $1 AND v.encoder_version_id = $2 AND v.text_kind = 'summary' AND v.sealed_at_ts < $3::timestamptz`,
    [user.externalId, encoder.id, `${asOf}:00Z`],
  )) as [{ before: number }];
  expect(before).toBeGreaterThan(0);
  expect(before).toBeLessThan(user.partitions);

  await signIn(page, "admin");
  await page.goto(`/users/${encodeURIComponent(user.externalId)}`);
  const section = vectorsSection(page);
  await expect(section.getByTestId("vector-heatmap")).toBeVisible({ timeout: 30_000 });
  // The section's own picker (the export form below has one too).
  await section.getByLabel("As of (UTC)").first().fill(asOf);

  // The demo's encoder saw every summary: it may not be used in the past. An editor fits one on the past only.
  const fit = section.getByRole("button", { name: /^Fit the builtin encoder on data before / });
  const heatmap = section.getByTestId("vector-heatmap");
  const versions = section.getByTestId("uif-versions");
  const answeredAsOf = versions.filter({ hasText: `As of ${asOf.replace("T", " ")} UTC` });
  // Either answer for the new instant (the previous one stays on screen while it loads).
  await expect(fit.or(answeredAsOf)).toBeVisible({ timeout: 30_000 });
  if (await fit.isVisible()) {
    await expect(section.getByText("No encoder fitted yet")).toBeVisible();
    await fit.click();
  }
  await expect(heatmap).toHaveAttribute(
    "aria-label",
    `Partition vectors of user ${user.externalId}: ${before} partition${before === 1 ? "" : "s"}`,
    { timeout: 60_000 },
  );
  await expect(versions).toContainText(`As of ${asOf.replace("T", " ")} UTC`);
  const shown = (await versions.locator("strong").first().innerText()).trim();
  const [used] = await query<{ fitted_until: Date | null }>(
    `SELECT fitted_until FROM uif_encoder_versions WHERE version = $1`,
    [shown],
  );
  expect(used, "the versions line names a stored encoder version").toBeDefined();
  expect(used!.fitted_until!.getTime(), "its IDF saw nothing sealed at or after the as-of instant").toBeLessThanOrEqual(
    Date.parse(`${asOf}:00Z`),
  );
});
