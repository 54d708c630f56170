import crypto from "node:crypto";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "..", "..");
const HASH_FILE = path.join(ROOT, ".next", "liber-source-hash");
// What the production build is made from. A change here triggers a rebuild at `npm start`.
const SOURCES = [
  "app",
  "components",
  "lib",
  "public",
  "next.config.js",
  "postcss.config.mjs",
  "tsconfig.json",
  "package-lock.json",
  "prisma/schema.prisma",
];
const SKIP = new Set(["node_modules", "generated", ".next"]);

function hashTree(hash: crypto.Hash, abs: string): void {
  if (!fs.existsSync(abs)) return;
  const stat = fs.statSync(abs);
  if (stat.isDirectory()) {
    for (const name of fs.readdirSync(abs).sort()) {
      if (SKIP.has(name) || name.endsWith(".test.ts") || name.endsWith(".test.tsx")) continue;
      hashTree(hash, path.join(abs, name));
    }
  } else {
    hash.update(path.relative(ROOT, abs)).update("\0").update(fs.readFileSync(abs)).update("\0");
  }
}

export function sourceHash(): string {
  const hash = crypto.createHash("sha256");
  for (const s of SOURCES) hashTree(hash, path.join(ROOT, s));
  return hash.digest("hex");
}

/** Runs `next build` when there is no build or the sources changed since the last one. */
export function ensureProductionBuild(log: (line: string) => void): void {
  const current = sourceHash();
  const built =
    fs.existsSync(path.join(ROOT, ".next", "BUILD_ID")) && fs.existsSync(HASH_FILE)
      ? fs.readFileSync(HASH_FILE, "utf8").trim()
      : "";
  if (built === current) return;
  log(
    built
      ? "sources changed since the last build: rebuilding (next build)..."
      : "first start: building the dashboard (next build)...",
  );
  const nextBin = path.join(ROOT, "node_modules", "next", "dist", "bin", "next");
  const result = spawnSync(process.execPath, [nextBin, "build"], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (result.status !== 0) throw new Error("next build failed (see the output above)");
  fs.writeFileSync(HASH_FILE, current);
}
