import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";

/**
 * Applies prisma/migrations/<name>/migration.sql in order and records each in Prisma's own
 * `_prisma_migrations` table (same columns, checksum = sha256 of the file), so that
 * `prisma migrate status|deploy` on a connected machine agrees with what ran here.
 * Prisma's schema engine, which normally does this, cannot be downloaded offline.
 */
export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, "..", "..", "prisma", "migrations");

// Arbitrary constant: serialises concurrent runners (two processes starting at once).
const LOCK_KEY = 72_707_369;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: crypto.createHash("sha256").update(sql).digest("hex") };
    });
}

export class MigrationError extends Error {}

export async function migrate(
  connectionString: string,
  opts: { dir?: string; log?: (line: string) => void } = {},
): Promise<string[]> {
  const log = opts.log ?? (() => {});
  const client = new pg.Client({ connectionString });
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0
    )`);
    const { rows } = await client.query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      rolled_back_at: Date | null;
    }>(`SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"`);
    const done = new Map(rows.filter((r) => !r.rolled_back_at).map((r) => [r.migration_name, r]));
    for (const m of readMigrations(opts.dir)) {
      const prior = done.get(m.name);
      if (prior?.finished_at) {
        if (prior.checksum !== m.checksum)
          log(`warning: migration ${m.name} was edited after it was applied (checksum differs)`);
        continue;
      }
      if (prior) {
        throw new MigrationError(
          `Migration ${m.name} failed earlier and was left half-applied. Fix the database by hand, then mark it ` +
            `rolled back (UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '${m.name}').`,
        );
      }
      const id = crypto.randomUUID();
      await client.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())`,
        [id, m.checksum, m.name],
      );
      try {
        await client.query("BEGIN");
        await client.query(m.sql);
        await client.query(
          `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
          [id],
        );
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        // The SQL ran in a transaction, so nothing of it is left: record it as rolled back.
        await client.query(`UPDATE "_prisma_migrations" SET logs = $2, rolled_back_at = now() WHERE id = $1`, [
          id,
          String((err as Error).message),
        ]);
        throw new MigrationError(`Migration ${m.name} failed: ${(err as Error).message}`);
      }
      applied.push(m.name);
      log(`applied migration ${m.name}`);
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]).catch(() => {});
    await client.end();
  }
  return applied;
}
