import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { defineConfig, devices } from "@playwright/test";
import { E2E_ADMIN_PASSWORD, E2E_ENV } from "./e2e/helpers/env";
import { CHROMIUM_ARGS, DEBIAN_CHROMIUM } from "./lib/bench/chromium";
import { freePort } from "./lib/db/free-port";

/**
 * End-to-end tests run the app exactly as a user starts it (`node bin/liber.mjs start`) on an
 * empty data folder: first start builds if needed, initialises the embedded PostgreSQL,
 * migrates, creates the first admin from LIBER_ADMIN_PASSWORD and imports the demo data.
 *
 * This file is evaluated by the runner and again by each worker process. The runner picks the
 * folder and the ports and puts them in the environment, which the workers inherit, so the
 * specs (and e2e/helpers/db.ts) reach the same app and database.
 */
const env = process.env;
if (!env[E2E_ENV.dataDir]) {
  // Not under a 700 home folder: as root, the embedded postgres runs as user postgres and must traverse it.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "liber-e2e-"));
  fs.chmodSync(dir, 0o755);
  env[E2E_ENV.dataDir] = dir;
  env[E2E_ENV.port] = String(await freePort());
  env[E2E_ENV.pgPort] = String(await freePort());
  // Only the runner that created the folder removes it; LIBER_E2E_KEEP_DATA=1 keeps it for a post-mortem.
  process.on("exit", () => {
    if (env.LIBER_E2E_KEEP_DATA) process.stderr.write(`e2e data folder kept: ${dir}\n`);
    else fs.rmSync(dir, { recursive: true, force: true });
  });
}
const dataDir = env[E2E_ENV.dataDir]!;
const port = Number(env[E2E_ENV.port]);
const pgPort = Number(env[E2E_ENV.pgPort]);
const baseURL = `http://127.0.0.1:${port}`;

const launchOptions = {
  ...(fs.existsSync(DEBIAN_CHROMIUM) ? { executablePath: DEBIAN_CHROMIUM } : {}),
  args: CHROMIUM_ARGS,
};

export default defineConfig({
  testDir: "e2e",
  testMatch: "**/*.spec.ts",
  // 2 cores, one app under test: specs run one at a time.
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(env.CI),
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  // "list" prints each test as it runs; the summary reporter adds one parseable last line.
  reporter: [["list"], ["./e2e/helpers/summary-reporter.ts"]],
  outputDir: "test-results",
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions,
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"], launchOptions } }],
  webServer: {
    command: "node bin/liber.mjs start",
    url: `${baseURL}/api/health`,
    // First start: `next build` (when sources changed), initdb, migrations, demo import.
    timeout: 10 * 60_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 30_000 },
    env: {
      LIBER_DATA_DIR: dataDir,
      PORT: String(port),
      LIBER_PG_PORT: String(pgPort),
      LIBER_HOST: "127.0.0.1",
      LIBER_ADMIN_PASSWORD: E2E_ADMIN_PASSWORD,
      // The embedded database in dataDir, never one a developer has in their shell.
      DATABASE_URL: "",
      NEXT_TELEMETRY_DISABLED: "1",
    },
  },
});
