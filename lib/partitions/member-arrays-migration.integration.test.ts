import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { migrate, MIGRATIONS_DIR } from "../db/migrate";

/**
 * The migration 20261203110000_partition_member_arrays moves partition_members rows into
 * partitions.behavior_ids (sealed) and partition_states.open_behavior_ids (the open cache, seq =
 * state.nextSeq). Built on a database migrated up to just before it, with memberships in the old
 * table, then migrated the rest of the way.
 */
const MIGRATION = "20261203110000_partition_member_arrays";
const adminUrl = inject("adminDatabaseUrl");
const name = `liber_members_${crypto.randomBytes(5).toString("hex")}`;
const before = fs.mkdtempSync(path.join(os.tmpdir(), "liber-migrations-"));

afterAll(async () => {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.end();
  fs.rmSync(before, { recursive: true, force: true });
});

describe(MIGRATION, () => {
  it("moves every membership into the arrays and drops partition_members", async () => {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    const url = u.toString();

    for (const entry of fs.readdirSync(MIGRATIONS_DIR, { withFileTypes: true })) {
      if (entry.isDirectory() && entry.name < MIGRATION)
        fs.cpSync(path.join(MIGRATIONS_DIR, entry.name), path.join(before, entry.name), { recursive: true });
      if (entry.isFile()) fs.copyFileSync(path.join(MIGRATIONS_DIR, entry.name), path.join(before, entry.name));
    }
    await migrate(url, { dir: before });

    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(`
        INSERT INTO users (id, external_id) VALUES (1, 'a'), (2, 'b');
        INSERT INTO partition_configs (id, name, version, config) VALUES (1, 'default', 1, '{"maxCount": 2}');
        INSERT INTO partitions (user_id, config_id, seq, first_behavior_id, last_behavior_id, start_ts, end_ts, sealed_at_ts,
                                count, category_histogram, seal_reason, content_hash)
        VALUES (1, 1, 0, 10, 11, now(), now(), now(), 2, '{}', 'count', 'h0'),
               (1, 1, 1, 12, 14, now(), now(), now(), 2, '{}', 'count', 'h1'),
               (2, 1, 0, 20, 21, now(), now(), now(), 2, '{}', 'count', 'h2');
        INSERT INTO partition_states (user_id, config_id, state, events_seen)
        VALUES (1, 1, '{"nextSeq": 2}', 5), (2, 1, '{"nextSeq": 1}', 2);
        INSERT INTO partition_members (config_id, behavior_id, user_id, seq)
        VALUES (1, 11, 1, 0), (1, 10, 1, 0), (1, 12, 1, 1), (1, 14, 1, 1), (1, 13, 1, 2),
               (1, 20, 2, 0), (1, 21, 2, 0)`);
    } finally {
      await c.end();
    }

    expect(await migrate(url)).toContain(MIGRATION);

    const c2 = new pg.Client({ connectionString: url });
    await c2.connect();
    try {
      const partitions = await c2.query(
        `SELECT user_id, seq, behavior_ids::float8[] AS ids FROM partitions ORDER BY user_id, seq`,
      );
      expect(partitions.rows).toEqual([
        { user_id: 1, seq: 0, ids: [10, 11] },
        { user_id: 1, seq: 1, ids: [12, 14] },
        { user_id: 2, seq: 0, ids: [20, 21] },
      ]);
      const states = await c2.query(
        `SELECT user_id, open_behavior_ids::float8[] AS ids FROM partition_states ORDER BY user_id`,
      );
      expect(states.rows).toEqual([
        { user_id: 1, ids: [13] },
        { user_id: 2, ids: [] },
      ]);
      const table = await c2.query(`SELECT to_regclass('partition_members') AS t`);
      expect(table.rows[0].t).toBeNull();
    } finally {
      await c2.end();
    }
  });
});
