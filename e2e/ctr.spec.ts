import fs from "node:fs/promises";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { ctrModelFromFiles, loadCtrModel } from "../lib/ctr/export";
import { signIn } from "./helpers/auth";
import { closeDatabase, query } from "./helpers/db";

// Issue 13 (CTR Lab) end to end, on the demo data: train DeepFM without and with LIBER in the
// browser's worker (wasm backend, served from public/tfjs/) on a small range (2015 on, capped
// per split) for one epoch, see both metric rows and the lift, one user's predictions with the attention over
// partitions and a partition's summary on hover, download the trained model (tfjs format),
// then reload and find the saved run. A third variant, the control (shuffled across users), is
// trained too and reported as "LIBER − control".
//
// The demo's only UIF encoder is fitted on all demo summaries (after the validation cutoff), so
// the page first says there is no leak-free encoder for these settings; the test fits one as of
// the validation cutoff (POST /api/ctr/encoder, editor) and the samples then read it, leak-free.

test.afterAll(closeDatabase);

test("train both variants in the browser, explain a user, download the model, find the saved run", async ({
  page,
  browser,
}) => {
  test.setTimeout(300_000);
  await signIn(page, "admin");

  // A viewer sees that there is no leak-free encoder for the range, but no button to fit one.
  const viewer = await viewerPage(page, browser);
  await viewer.goto("/ctr-lab");
  await viewer.getByLabel("From (optional)").fill("2015-01-01");
  const viewerStatus = viewer.getByTestId("ctr-encoder-status");
  await expect(viewerStatus).toContainText("No encoder fitted before the validation cutoff", { timeout: 60_000 });
  await expect(viewerStatus).toContainText("An editor can fit a leak-free encoder");
  await expect(viewer.getByRole("button", { name: /Fit a leak-free encoder/ })).toHaveCount(0);
  await viewer.context().close();

  await page.goto("/ctr-lab");
  await expect(page.getByRole("heading", { name: "CTR Lab" })).toBeVisible();

  await page.getByLabel("Label rule").fill("rate>=4");
  // a small range: the last years of the demo log only, capped per split
  await page.getByLabel("From (optional)").fill("2015-01-01");
  await page.getByLabel("Sample cap per split").fill("300");
  await page.getByLabel("Epochs").fill("1");
  await page.getByLabel("Backend").selectOption("wasm");
  // no leak-free encoder for this range yet: fit one as of its validation cutoff
  const encoderStatus = page.getByTestId("ctr-encoder-status");
  await expect(encoderStatus).toContainText("No encoder fitted before the validation cutoff", { timeout: 60_000 });
  await expect(page.getByLabel("Allow an encoder fitted after the validation cutoff")).not.toBeChecked();
  await page.getByRole("button", { name: "Fit a leak-free encoder as of the validation cutoff" }).click();
  await expect(encoderStatus).toContainText(/Leak-free encoder #\d+/, { timeout: 180_000 });
  const statusText = await encoderStatus.innerText();
  const encoderId = Number(statusText.match(/Leak-free encoder #(\d+)/)![1]);
  const fittedUntil = statusText.match(/fitted until ([^)]+)\)/)![1]!;
  const cutoffShown = statusText.match(/validation cutoff of these settings: ([^)]+)\)/)![1]!;
  expect(fittedUntil).toBe(cutoffShown);
  const [fitted] = await query<{ until: string }>(
    `SELECT to_char(fitted_until AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS until FROM uif_encoder_versions WHERE id = $1`,
    [encoderId],
  );
  expect(fitted?.until).toBe(fittedUntil);
  // and the sanity control: +LIBER on partition vectors shuffled across users
  await page.getByLabel("Also train a control (shuffled across users)").check();
  await page.getByRole("button", { name: "Train all three" }).click();

  await expect(page.getByTestId("ctr-backend")).toContainText("wasm", { timeout: 120_000 });
  const baseline = page.getByTestId("metrics-baseline");
  const liber = page.getByTestId("metrics-liber");
  const lift = page.getByTestId("metrics-lift");
  await expect(baseline).toBeVisible({ timeout: 180_000 });
  // AUC, LogLoss, gAUC as numbers (a lift may be negative on a tiny sample: only its shape is checked).
  await expect(baseline).toContainText(/Baseline\s*0\.\d{4}\s*\d+\.\d{4}/);
  await expect(liber).toContainText(/\+LIBER\s*0\.\d{4}\s*\d+\.\d{4}/);
  await expect(lift).toContainText(/Lift.*[+-]?\d\.\d{4}/);
  await expect(page.getByTestId("metrics-control")).toContainText(
    /Control \(shuffled across users\)\s*0\.\d{4}\s*\d+\.\d{4}/,
  );
  await expect(page.getByTestId("metrics-liber-minus-control")).toContainText(/LIBER − control.*[+-]?\d\.\d{4}/);
  // the samples read the leak-free encoder just fitted: no leak flagged
  await expect(page.getByTestId("ctr-encoder")).toContainText(`Partition vectors of encoder #${encoderId} `);
  await expect(page.getByTestId("ctr-encoder")).not.toContainText("leak");
  // the first test sample is on or after the range's start
  const firstWhen = await page.getByRole("table", { name: "User predictions" }).getByRole("row").nth(1).innerText();
  expect(firstWhen.slice(0, 10) >= "2015-01-01").toBe(true);

  // One user's predictions from both variants, and +LIBER's attention over the partitions.
  const predictions = page.getByRole("table", { name: "User predictions" });
  await expect(predictions.getByRole("row").nth(1)).toBeVisible();
  await expect(predictions.getByRole("row").nth(1)).toContainText(/0\.\d{3}\s*0\.\d{3}/);
  await expect(page.getByTestId("ctr-attention")).toContainText(/Attention of \+LIBER over the \d+ partitions/);

  // Hover a partition: its summary, the provider and model that wrote it, and when it was sealed.
  const partition = page.getByTestId("ctr-partition").first();
  const partitionId = Number(await partition.getAttribute("data-partition-id"));
  const [stored] = await query<{ summary: string; provider: string; model: string; sealed: string }>(
    `SELECT s.summary, s.provider, s.model, to_char(p.sealed_at_ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS sealed
       FROM partitions p
       JOIN partition_summaries s ON s.user_id = p.user_id AND s.config_id = p.config_id AND s.seq = p.seq
      WHERE p.id = $1 AND s.status = 'ok' ORDER BY s.created_at DESC LIMIT 1`,
    [partitionId],
  );
  expect(stored, `partition ${partitionId} has a summary`).toBeDefined();
  await partition.hover();
  const tooltip = page.getByRole("tooltip");
  await expect(tooltip).toBeVisible();
  await expect(tooltip).toContainText(stored!.summary.slice(0, 60));
  await expect(tooltip).toContainText(`${stored!.provider} · ${stored!.model}`);
  await expect(tooltip).toContainText(`sealed ${stored!.sealed}`);

  // Download the +LIBER model: model.json + weights.bin, like tf.io.browserDownloads.
  const downloads: Promise<import("@playwright/test").Download>[] = [
    page.waitForEvent("download", (d) => d.suggestedFilename().endsWith(".json")),
    page.waitForEvent("download", (d) => d.suggestedFilename().endsWith(".weights.bin")),
  ];
  await page.getByRole("button", { name: "Download +LIBER model" }).click();
  const [jsonDownload, weightsDownload] = await Promise.all(downloads);
  expect(jsonDownload!.suggestedFilename()).toBe("liber-ctr-deepfm-liber.json");
  const modelJson = JSON.parse(await fs.readFile((await jsonDownload!.path())!, "utf8"));
  expect(modelJson.modelTopology).toMatchObject({ format: "liber-ctr", backbone: "deepfm", variant: "liber" });
  expect(modelJson.weightsManifest[0].paths).toEqual(["./liber-ctr-deepfm-liber.weights.bin"]);
  const weightBytes = (await fs.stat((await weightsDownload!.path())!)).size;
  const expectedBytes = (modelJson.weightsManifest[0].weights as { shape: number[] }[]).reduce(
    (n, w) => n + 4 * w.shape.reduce((a, b) => a * b, 1),
    0,
  );
  expect(weightBytes).toBeGreaterThan(0);
  expect(weightBytes).toBe(expectedBytes);
  expect(modelJson.userDefinedMetadata.metrics.test.auc).toEqual(expect.any(Number));
  // the downloaded files load back into a model (tfjs in this Node process): every name and shape fits
  const weightsFile = await fs.readFile((await weightsDownload!.path())!);
  const loaded = await loadCtrModel(
    ctrModelFromFiles(
      JSON.stringify(modelJson),
      weightsFile.buffer.slice(weightsFile.byteOffset, weightsFile.byteOffset + weightsFile.byteLength),
    ),
  );
  expect(loaded.model.parameterCount * 4).toBe(expectedBytes);
  loaded.model.dispose();

  const saved = page.getByTestId("ctr-save-status");
  await expect(saved).toContainText(/Saved as run #\d+/, { timeout: 15_000 });
  const runId = (await saved.innerText()).match(/#(\d+)/)![1]!;

  await page.reload();
  const runsTable = page.getByRole("table", { name: "Saved runs" });
  const row = runsTable.getByRole("row").filter({ hasText: `#${runId}` });
  await expect(row).toContainText("browser");
  await expect(row).toContainText("deepfm");
});

/** A browser context signed in as a fresh viewer (created by the admin through the API). */
async function viewerPage(adminPage: Page, browser: Browser): Promise<Page> {
  const credentials = { name: `ctr-viewer-${Date.now()}`, role: "viewer", password: "ctr-viewer-password" };
  const status = await adminPage.evaluate(
    (body) =>
      fetch("/api/accounts", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      }).then((r) => r.status),
    credentials,
  );
  expect(status, "the admin creates a viewer").toBeLessThan(300);
  const baseURL = test.info().project.use.baseURL!;
  const context = await browser.newContext({ baseURL });
  const signedIn = await context.request.post("/api/auth/sign-in", {
    data: { name: credentials.name, password: credentials.password },
    headers: { origin: baseURL },
  });
  expect(signedIn.status()).toBe(200);
  return context.newPage();
}
