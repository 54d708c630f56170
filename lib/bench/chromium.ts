/**
 * How this project launches Chromium, shared by playwright.config.ts (e2e) and `liber bench ctr`'s
 * browser half: Debian's Chromium where it is installed (CI, these machines), else Playwright's own.
 */
export const DEBIAN_CHROMIUM = "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-quic",
  "--no-first-run",
  // Without these Chromium floods a closed network with refused connections.
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // WebGL through SwiftShader (software GPU) for the in-browser tfjs models.
  "--enable-unsafe-swiftshader",
];
