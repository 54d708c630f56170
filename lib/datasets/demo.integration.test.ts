import path from "node:path";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/db";
import { pool } from "../db/client";
import { seedDemoDataOnFirstRun } from "./demo";
import { FIXTURES } from "./test-helpers";

useTestDatabase();

const counts = async () =>
  (
    await pool().query(
      `SELECT (SELECT count(*)::int FROM behaviors) AS behaviors, (SELECT count(*)::int FROM import_runs) AS runs`,
    )
  ).rows[0];

describe("seedDemoDataOnFirstRun", () => {
  const dir = path.join(FIXTURES, "ml-latest-tiny");

  it("does nothing when LIBER_DEMO_DATA=none", async () => {
    const lines: string[] = [];
    await seedDemoDataOnFirstRun({ log: (l) => lines.push(l), dir, demoData: "none" });
    expect(await counts()).toEqual({ behaviors: 0, runs: 0 });
    expect(lines).toEqual([]);
  });

  it("imports the demo data on the first start only, logging progress", async () => {
    const lines: string[] = [];
    await seedDemoDataOnFirstRun({ log: (l) => lines.push(l), dir, demoData: "movielens" });
    expect(await counts()).toEqual({ behaviors: 13, runs: 1 });
    expect(lines[0]).toMatch(/^demo data: first start, importing MovieLens/);
    expect(lines).toContain("demo data: 100% read (24 rows)");
    expect(lines.at(-1)).toMatch(/^demo data: 13 behaviours, 3 users, 6 movies in /);

    const later: string[] = [];
    await seedDemoDataOnFirstRun({ log: (l) => later.push(l), dir, demoData: "movielens" });
    expect(later).toEqual([]);
    expect(await counts()).toEqual({ behaviors: 13, runs: 1 });
  });

  it("leaves a database that has had data alone, even when its behaviours are gone", async () => {
    await pool().query("TRUNCATE behaviors");
    await seedDemoDataOnFirstRun({ log: () => {}, dir, demoData: "movielens" });
    expect(await counts()).toEqual({ behaviors: 0, runs: 1 });
  });
});
