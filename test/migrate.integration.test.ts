import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { migrate, MigrationError, MIGRATIONS_DIR, readMigrations } from "../lib/db/migrate";

// The runner is tested on empty databases of its own (test/db.ts hands out already migrated ones).
const adminUrl = inject("adminDatabaseUrl");
const created: string[] = [];
const tempDirs: string[] = [];

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function emptyDatabase(): Promise<string> {
  const name = `liber_migrate_${crypto.randomBytes(5).toString("hex")}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  created.push(name);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

async function query<R extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
  logs: string | null;
}
const migrationRows = (url: string) =>
  query<MigrationRow>(url, `SELECT * FROM "_prisma_migrations" ORDER BY started_at, migration_name`);

const tableExists = async (url: string, table: string) =>
  (await query<{ t: string | null }>(url, "SELECT to_regclass($1)::text AS t", [`public.${table}`]))[0]!.t !== null;

/** A migrations folder in Prisma's layout: { "<name>": "<sql>" }. */
function migrationsDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "liber-migrations-"));
  tempDirs.push(dir);
  for (const [name, sql] of Object.entries(files)) {
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, "migration.sql"), sql);
  }
  return dir;
}

afterAll(async () => {
  await admin(async (c) => {
    for (const name of created) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe("lib/db/migrate", () => {
  it("applies every migration of prisma/migrations once, in order, and records it like Prisma", async () => {
    const url = await emptyDatabase();
    const onDisk = fs
      .readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    expect(onDisk.length).toBeGreaterThan(0);

    const applied = await migrate(url);
    expect(applied).toEqual(onDisk);

    const rows = await migrationRows(url);
    expect(rows.map((r) => r.migration_name)).toEqual(onDisk);
    for (const r of rows) {
      // Prisma's checksum: sha256 (hex) of the migration.sql bytes.
      const file = fs.readFileSync(path.join(MIGRATIONS_DIR, r.migration_name, "migration.sql"));
      expect(r.checksum, r.migration_name).toBe(crypto.createHash("sha256").update(file).digest("hex"));
      expect(r.finished_at, r.migration_name).toBeInstanceOf(Date);
      expect(r.rolled_back_at, r.migration_name).toBeNull();
      expect(r.applied_steps_count, r.migration_name).toBe(1);
    }
  });

  it("is idempotent: a second run applies nothing and changes no record", async () => {
    const url = await emptyDatabase();
    await migrate(url);
    const before = await migrationRows(url);
    const lines: string[] = [];
    expect(await migrate(url, { log: (l) => lines.push(l) })).toEqual([]);
    expect(await migrationRows(url)).toEqual(before);
    expect(lines).toEqual([]);
  });

  it("serialises concurrent runners: no error, each migration applied exactly once", async () => {
    const url = await emptyDatabase();
    const results = await Promise.all([migrate(url), migrate(url), migrate(url)]);
    const all = readMigrations().map((m) => m.name);
    // One runner did the work; the others waited for the lock and found nothing to do.
    expect(results.flat().sort()).toEqual(all);
    expect(results.filter((r) => r.length > 0)).toHaveLength(1);
    expect((await migrationRows(url)).map((r) => r.migration_name)).toEqual(all);
  });

  it("holds the lock while a slow migration runs, so a second runner does not apply it again", async () => {
    const url = await emptyDatabase();
    const dir = migrationsDir({
      "001_slow": `SELECT pg_sleep(0.5);\nCREATE TABLE slow_table (id integer);\n`,
    });
    const [a, b] = await Promise.all([migrate(url, { dir }), migrate(url, { dir })]);
    expect([...a, ...b]).toEqual(["001_slow"]);
    expect(await migrationRows(url)).toHaveLength(1);
  });

  it("a failing migration throws a MigrationError naming it, and leaves none of its changes", async () => {
    const url = await emptyDatabase();
    const dir = migrationsDir({
      "001_ok": `CREATE TABLE ok_table (id integer);\n`,
      "002_bad": `CREATE TABLE half_table (id integer);\nINSERT INTO ok_table VALUES (1);\nALTER TABLE no_such_table ADD COLUMN x integer;\n`,
      "003_after": `CREATE TABLE after_table (id integer);\n`,
    });
    const error = await migrate(url, { dir }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toBe(`Migration 002_bad failed: relation "no_such_table" does not exist`);

    // 001 stays applied; nothing of 002 is left; 003 never ran.
    expect(await tableExists(url, "ok_table")).toBe(true);
    expect(await query(url, "SELECT * FROM ok_table")).toEqual([]);
    expect(await tableExists(url, "half_table")).toBe(false);
    expect(await tableExists(url, "after_table")).toBe(false);
    const rows = await migrationRows(url);
    expect(rows.map((r) => [r.migration_name, r.finished_at !== null, r.rolled_back_at !== null])).toEqual([
      ["001_ok", true, false],
      ["002_bad", false, true],
    ]);
    expect(rows[1]!.logs).toContain("no_such_table");

    // Once the file is fixed, the next run applies it and the rest.
    fs.writeFileSync(path.join(dir, "002_bad", "migration.sql"), `CREATE TABLE half_table (id integer);\n`);
    expect(await migrate(url, { dir })).toEqual(["002_bad", "003_after"]);
    expect(await tableExists(url, "half_table")).toBe(true);
  });

  it("refuses to continue past a migration recorded as started but not finished", async () => {
    const url = await emptyDatabase();
    const dir = migrationsDir({ "001_ok": `CREATE TABLE ok_table (id integer);\n` });
    await migrate(url, { dir: migrationsDir({}) }); // creates _prisma_migrations only
    await query(url, `INSERT INTO "_prisma_migrations" (id, checksum, migration_name) VALUES ('x', 'y', '001_ok')`);
    await expect(migrate(url, { dir })).rejects.toThrow(MigrationError);
    await expect(migrate(url, { dir })).rejects.toThrow(/001_ok failed earlier and was left half-applied/);
    expect(await tableExists(url, "ok_table")).toBe(false);
  });

  it("warns, without re-applying, when an applied migration was edited afterwards", async () => {
    const url = await emptyDatabase();
    const dir = migrationsDir({ "001_ok": `CREATE TABLE ok_table (id integer);\n` });
    await migrate(url, { dir });
    fs.appendFileSync(path.join(dir, "001_ok", "migration.sql"), "-- edited\n");
    const lines: string[] = [];
    expect(await migrate(url, { dir, log: (l) => lines.push(l) })).toEqual([]);
    expect(lines).toEqual(["warning: migration 001_ok was edited after it was applied (checksum differs)"]);
  });
});
