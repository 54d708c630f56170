import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/db";
import { pool } from "../db/client";
import { importEventLog, parseColumnMap } from "./generic";

useTestDatabase();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "liber-generic-it-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const write = (name: string, content: string) => {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, content);
  return file;
};

describe("importing a CSV log with a column mapping", () => {
  const log = write(
    "clicks.csv",
    "uid,sku,when,action,score\n" +
      "u1,p1,2024-01-01T10:00:00Z,click,\n" +
      "u1,p2,2024-01-02T10:00:00Z,purchase,19.99\n" +
      "u2,p1,2024-01-03T10:00:00Z,click,\n" +
      "u2,p1,2024-01-03T10:00:00Z,click,\n", // identical to the line before: the same event
  );
  const map = parseColumnMap("user=uid,item=sku,ts=when,kind=action,value=score");

  it("creates unknown items with their id as title, and is idempotent", async () => {
    const s = await importEventLog(log, { format: "csv", map, tsFormat: "iso", source: "shop" });
    expect(s).toMatchObject({
      status: "succeeded",
      importer: "csv",
      source: "shop",
      rowsRead: 4,
      inserted: 3,
      duplicates: 1,
      usersCreated: 2,
      itemsCreated: 2,
    });
    expect((await pool().query(`SELECT external_id, title FROM items ORDER BY external_id`)).rows).toEqual([
      { external_id: "p1", title: "p1" },
      { external_id: "p2", title: "p2" },
    ]);
    const again = await importEventLog(log, { format: "csv", map, tsFormat: "iso", source: "shop" });
    expect(again).toMatchObject({ inserted: 0, duplicates: 4, itemsCreated: 0, usersCreated: 0 });
  });

  it("with an item catalogue: updates titles and categories, rejects events of items missing from it", async () => {
    const items = write("catalogue.csv", 'id,title,categories\np1,"Pen, blue",office|writing\np2,Paper,office\n');
    const more = write(
      "more.csv",
      "uid,sku,when,action,score\nu3,p1,2024-02-01T00:00:00Z,view,\nu3,p9,2024-02-01T00:00:00Z,view,\n",
    );
    const s = await importEventLog(more, { format: "csv", map, tsFormat: "iso", source: "shop", items });
    expect(s).toMatchObject({ inserted: 1, rejected: 1, itemsCreated: 0 });
    expect(s.errors).toEqual([{ file: more, line: 3, reason: 'unknown item "p9"' }]);
    expect((await pool().query(`SELECT title, categories FROM items WHERE external_id = 'p1'`)).rows[0]).toEqual({
      title: "Pen, blue",
      categories: ["office", "writing"],
    });
  });

  it("--strict: one bad row and nothing is written", async () => {
    const before = (await pool().query(`SELECT count(*)::int AS n FROM behaviors`)).rows[0].n;
    const bad = write(
      "bad.csv",
      "uid,sku,when,action,score\nu9,p1,2024-03-01T00:00:00Z,click,\nu9,p1,not-a-date,click,\n",
    );
    const s = await importEventLog(bad, { format: "csv", map, tsFormat: "iso", source: "shop", strict: true });
    expect(s).toMatchObject({ status: "failed", inserted: 0, rejected: 1, usersCreated: 0 });
    expect((await pool().query(`SELECT count(*)::int AS n FROM behaviors`)).rows[0].n).toBe(before);
    expect((await pool().query(`SELECT count(*)::int AS n FROM users WHERE external_id = 'u9'`)).rows[0].n).toBe(0);
  });
});
