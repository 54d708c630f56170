import crypto from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, inject } from "vitest";
import { closeDb } from "../lib/db/client";
import { migrate } from "../lib/db/migrate";

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Call at the top of an integration test file: creates a fresh, migrated database for the
 * file, points DATABASE_URL (and so lib/db/client) at it, and drops it afterwards.
 * Returns a getter for the URL.
 */
export function useTestDatabase(): () => string {
  const adminUrl = inject("adminDatabaseUrl");
  const name = `liber_test_${crypto.randomBytes(5).toString("hex")}`;
  const url = withDatabase(adminUrl, name);
  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    await migrate(url);
    process.env.DATABASE_URL = url;
  });
  afterAll(async () => {
    await closeDb();
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });
  return () => url;
}
