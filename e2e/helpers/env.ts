/**
 * What playwright.config.ts hands to the specs (through the environment, so that Playwright's
 * worker processes see the same values as the runner that started the app).
 */
export const E2E_ENV = {
  /** The app's data folder: embedded PostgreSQL files and pg-password live here. */
  dataDir: "LIBER_E2E_DATA_DIR",
  /** Port of the dashboard. */
  port: "LIBER_E2E_PORT",
  /** Port of the embedded PostgreSQL. */
  pgPort: "LIBER_E2E_PG_PORT",
} as const;

/**
 * Password of the first admin ("admin"), which the app creates from LIBER_ADMIN_PASSWORD on
 * its first start. Fixed so that a failed run can be reproduced by hand.
 */
export const E2E_ADMIN_PASSWORD = process.env.LIBER_E2E_ADMIN_PASSWORD ?? "liber-e2e-admin-password";

export function e2eSetting(name: keyof typeof E2E_ENV): string {
  const value = process.env[E2E_ENV[name]];
  if (!value) {
    throw new Error(
      `${E2E_ENV[name]} is not set: run the specs with \`npx playwright test\` (playwright.config.ts sets it).`,
    );
  }
  return value;
}
