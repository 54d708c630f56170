import { expect, test } from "@playwright/test";
import { signIn } from "./helpers/auth";

// Issue 13 (CTR Lab) end to end, on the demo data: train DeepFM without and with LIBER in the
// browser's worker (wasm backend, served from public/tfjs/) on a capped sample set for one
// epoch, see both metric rows and the lift, one user's predictions with the attention over
// partitions, then reload and find the saved run.

test("train both variants in the browser, see the metrics and the saved run", async ({ page }) => {
  test.setTimeout(240_000);
  await signIn(page, "admin");
  await page.goto("/ctr-lab");
  await expect(page.getByRole("heading", { name: "CTR Lab" })).toBeVisible();

  await page.getByLabel("Sample cap per split").fill("300");
  await page.getByLabel("Epochs").fill("1");
  await page.getByLabel("Backend").selectOption("wasm");
  await page.getByRole("button", { name: "Train both" }).click();

  await expect(page.getByTestId("ctr-backend")).toContainText("wasm", { timeout: 120_000 });
  const baseline = page.getByTestId("metrics-baseline");
  const liber = page.getByTestId("metrics-liber");
  const lift = page.getByTestId("metrics-lift");
  await expect(baseline).toBeVisible({ timeout: 180_000 });
  // AUC, LogLoss, gAUC as numbers (a lift may be negative on a tiny sample: only its shape is checked).
  await expect(baseline).toContainText(/Baseline\s*0\.\d{4}\s*\d+\.\d{4}/);
  await expect(liber).toContainText(/\+LIBER\s*0\.\d{4}\s*\d+\.\d{4}/);
  await expect(lift).toContainText(/Lift.*[+-]?\d\.\d{4}/);

  // One user's predictions from both variants, and +LIBER's attention when the sample has partitions.
  const predictions = page.getByRole("table", { name: "User predictions" });
  await expect(predictions.getByRole("row").nth(1)).toBeVisible();
  await expect(predictions.getByRole("row").nth(1)).toContainText(/0\.\d{3}\s*0\.\d{3}/);
  await expect(page.getByTestId("ctr-attention")).toContainText(
    /Attention of \+LIBER over the \d+ partitions|No partition sealed before this sample/,
  );

  const saved = page.getByTestId("ctr-save-status");
  await expect(saved).toContainText(/Saved as run #\d+/, { timeout: 15_000 });
  const runId = (await saved.innerText()).match(/#(\d+)/)![1]!;

  await page.reload();
  const runsTable = page.getByRole("table", { name: "Saved runs" });
  const row = runsTable.getByRole("row").filter({ hasText: `#${runId}` });
  await expect(row).toContainText("browser");
  await expect(row).toContainText("deepfm");
});
