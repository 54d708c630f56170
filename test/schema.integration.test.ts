import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "./db";
import { databaseShape, diffShapes, expectedShape, type SchemaShape } from "./schema-shape";

const SCHEMA_FILE = path.resolve(import.meta.dirname, "..", "prisma", "schema.prisma");

describe("prisma/migrations build exactly what prisma/schema.prisma declares", () => {
  const url = useTestDatabase();
  let client: pg.Client;
  let expected: SchemaShape;

  beforeAll(async () => {
    expected = expectedShape(fs.readFileSync(SCHEMA_FILE, "utf8"));
    client = new pg.Client({ connectionString: url() });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
  });

  it("has no difference in tables, columns, indexes, foreign keys or enums", async () => {
    const differences = diffShapes(expected, await databaseShape(client));
    expect(
      differences,
      "The migrations do not build what schema.prisma declares. Add a new migration (never edit an applied one) " +
        "with the SQL `prisma migrate dev` would write, or fix schema.prisma. Differences",
    ).toEqual([]);
  });

  it("reports drift made in the database (the introspection can fail)", async () => {
    // Pick objects generically so the check survives other models being added or renamed.
    const tables = Object.entries(expected.tables);
    const [anyTable] = tables[0]!;
    const [indexedTable, indexed] = tables.find(([, t]) => t.indexes.some((i) => i.kind === "index"))!;
    const plainIndex = indexed.indexes.find((i) => i.kind === "index")!;
    const [fkTable, withFk] = tables.find(([, t]) => t.foreignKeys.length > 0)!;
    const fk = withFk.foreignKeys[0]!;
    const otherAction = fk.onDelete === "Cascade" ? "NO ACTION" : "CASCADE";
    const q = (s: string) => `"${s.replace(/"/g, '""')}"`;

    await client.query("BEGIN");
    let differences: string[];
    try {
      await client.query(`ALTER TABLE ${q(anyTable)} ADD COLUMN zz_drift text`);
      await client.query(`DROP INDEX ${q(plainIndex.name)}`);
      await client.query(`ALTER TABLE ${q(fkTable)} DROP CONSTRAINT ${q(fk.name)}`);
      await client.query(
        `ALTER TABLE ${q(fkTable)} ADD CONSTRAINT ${q(fk.name)} FOREIGN KEY (${fk.columns.map(q).join(", ")}) ` +
          `REFERENCES ${q(fk.refTable)} (${fk.refColumns.map(q).join(", ")}) ON DELETE ${otherAction} ON UPDATE ${fk.onUpdate === "Cascade" ? "CASCADE" : "NO ACTION"}`,
      );
      await client.query(`CREATE TABLE zz_stray (id integer)`);
      differences = diffShapes(expected, await databaseShape(client));
    } finally {
      await client.query("ROLLBACK");
    }

    expect(differences).toContain(
      `column "${anyTable}"."zz_drift": exists in the database (text), not declared in schema.prisma`,
    );
    expect(differences).toContain(`table "zz_stray": exists in the database, not declared in schema.prisma`);
    expect(
      differences.some(
        (d) =>
          d.startsWith(`table "${indexedTable}": INDEX ${plainIndex.name} (`) &&
          d.endsWith("is missing in the database"),
      ),
    ).toBe(true);
    expect(
      differences.some(
        (d) =>
          d.startsWith(`table "${fkTable}": database has FOREIGN KEY ${fk.name} `) &&
          d.includes(`ON DELETE ${fk.onDelete}`),
      ),
    ).toBe(true);
    expect(differences).toHaveLength(4);
    // And the rollback left the database as the migrations built it.
    expect(diffShapes(expected, await databaseShape(client))).toEqual([]);
  });
});
