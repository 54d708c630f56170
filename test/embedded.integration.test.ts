import pg from "pg";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "./db";

describe("test database", () => {
  const url = useTestDatabase();
  it("is migrated and reachable", async () => {
    const client = new pg.Client({ connectionString: url() });
    await client.connect();
    const { rows } = await client.query(`SELECT migration_name, finished_at FROM "_prisma_migrations"`);
    await client.end();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.finished_at !== null)).toBe(true);
  });
});
