import { getDMMF } from "@prisma/get-dmmf";
import type pg from "pg";

/**
 * Compares the database that the hand-written migrations build with what prisma/schema.prisma
 * declares. Prisma's own `migrate diff` needs the native schema engine, which cannot be
 * downloaded here, so both sides are brought to one plain shape and diffed:
 *   - expected: from the schema's datamodel (Prisma's wasm parser, `getDMMF`), with Prisma's
 *     PostgreSQL type mapping and default constraint names (the ones `migrate dev` generates);
 *   - actual: from the PostgreSQL catalogs of the migrated database.
 * Covers tables, columns (type, nullability, default), primary keys, unique and plain indexes
 * (names, columns in order, sort order, method), foreign keys (columns, target, actions),
 * enums, and implicit many-to-many join tables. Extra objects on either side are differences.
 */

export interface ColumnShape {
  /** As PostgreSQL's format_type() prints it, without quotes: "timestamp(3) with time zone", "text[]". */
  type: string;
  nullable: boolean;
  /** Normalised default (see normaliseDbDefault); "dbgenerated" matches any default; null: none. */
  default: string | null;
  /** Where the expectation comes from ("User.createdAt"), for messages. */
  origin?: string;
}

export interface IndexShape {
  name: string;
  /** Column names in order, with " DESC" appended for descending keys. */
  columns: string[];
  kind: "primary" | "unique" | "index";
  method: string;
  /** Partial index predicate; Prisma never declares one. */
  where?: string | null;
}

export interface ForeignKeyShape {
  /**
   * Prisma's default name. A custom `@relation(map: ...)` is not exposed by the datamodel, so a
   * schema that uses one would show up here as a name difference.
   */
  name: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
  onDelete: ReferentialAction;
  onUpdate: ReferentialAction;
}

export type ReferentialAction = "Cascade" | "Restrict" | "NoAction" | "SetNull" | "SetDefault";

export interface TableShape {
  columns: Record<string, ColumnShape>;
  indexes: IndexShape[];
  foreignKeys: ForeignKeyShape[];
  origin?: string;
}

export interface SchemaShape {
  tables: Record<string, TableShape>;
  enums: Record<string, string[]>;
}

/** Tables the migration runner owns, not the schema. */
const RUNNER_TABLES = new Set(["_prisma_migrations"]);

// PostgreSQL truncates identifiers to 63 bytes; Prisma shortens its default names to fit.
const MAX_IDENTIFIER_LENGTH = 63;

type DmmfResult = ReturnType<typeof getDMMF>;
type Datamodel = Extract<DmmfResult, { datamodel: unknown }>["datamodel"];
type Model = Datamodel["models"][number];
type Field = Model["fields"][number];

export class SchemaParseError extends Error {}

export function parseDatamodel(schemaText: string): Datamodel {
  const result = getDMMF({ datamodel: schemaText });
  if ("error" in result) {
    // The wasm error is JSON ({ error_code, message }) with terminal colours in the message.
    let reason = String(result.error?.message ?? result.reason);
    try {
      reason = String((JSON.parse(reason) as { message?: string }).message ?? reason);
    } catch {
      /* not JSON: keep it as it is */
    }
    throw new SchemaParseError(`schema.prisma does not parse:\n${reason.replace(/\u001b\[[0-9;]*m/g, "")}`);
  }
  return result.datamodel;
}

/** Prisma's default constraint names (psl ConstraintNames), including its truncation rule. */
export function prismaConstraintName(
  table: string,
  columns: string[],
  suffix: "_pkey" | "_key" | "_idx" | "_fkey",
): string {
  let base = suffix === "_pkey" ? table : `${table}_${columns.join("_")}`;
  const room = MAX_IDENTIFIER_LENGTH - suffix.length;
  if (Buffer.byteLength(base) >= room)
    base = Buffer.from(base)
      .subarray(0, room)
      .toString("utf8")
      .replace(/\uFFFD$/, "");
  return base + suffix;
}

/** Prisma scalar type + @db attribute -> what PostgreSQL's format_type() prints for the column. */
function columnType(field: Field, enumDbNames: Map<string, string>): string {
  let base: string;
  if (field.kind === "enum") base = enumDbNames.get(field.type) ?? field.type;
  else base = scalarType(field.type, field.nativeType ?? null, `${field.name}`);
  return field.isList ? `${base}[]` : base;
}

function scalarType(type: string, nativeType: readonly [string, readonly string[]] | null, where: string): string {
  if (nativeType) {
    const [name, args] = nativeType;
    const precision = args.length ? `(${args.join(",")})` : "";
    const native: Record<string, string> = {
      Text: "text",
      VarChar: `character varying${precision}`,
      Char: `character${precision}`,
      Uuid: "uuid",
      Xml: "xml",
      Inet: "inet",
      Citext: "citext",
      Bit: `bit${precision}`,
      VarBit: `bit varying${precision}`,
      SmallInt: "smallint",
      Integer: "integer",
      Oid: "oid",
      BigInt: "bigint",
      Real: "real",
      DoublePrecision: "double precision",
      Decimal: `numeric${precision}`,
      Money: "money",
      Timestamp: `timestamp${precision} without time zone`,
      Timestamptz: `timestamp${precision} with time zone`,
      Date: "date",
      Time: `time${precision} without time zone`,
      Timetz: `time${precision} with time zone`,
      Boolean: "boolean",
      Json: "json",
      JsonB: "jsonb",
      ByteA: "bytea",
    };
    const mapped = native[name];
    if (!mapped) throw new Error(`schema-shape: no mapping for @db.${name} (field ${where}); add it to scalarType()`);
    return mapped;
  }
  const defaults: Record<string, string> = {
    String: "text",
    Int: "integer",
    BigInt: "bigint",
    Float: "double precision",
    Decimal: "numeric(65,30)",
    Boolean: "boolean",
    DateTime: "timestamp(3) without time zone",
    Json: "jsonb",
    Bytes: "bytea",
  };
  const mapped = defaults[type];
  if (!mapped)
    throw new Error(`schema-shape: no mapping for Prisma type ${type} (field ${where}); add it to scalarType()`);
  return mapped;
}

/** The default Prisma's migration would put in the database, in normaliseDbDefault's form. */
function expectedDefault(field: Field, enumValueDbNames: Map<string, Map<string, string>>): string | null {
  if (!field.hasDefaultValue || field.default === undefined) return null;
  const value = field.default as unknown;
  if (value && typeof value === "object" && !Array.isArray(value) && "name" in value) {
    const fn = (value as { name: string }).name;
    if (fn === "autoincrement") return "autoincrement";
    if (fn === "now") return "now()";
    if (fn === "dbgenerated") return "dbgenerated";
    // uuid(), cuid(), nanoid(), ulid() are generated by the client: no database default.
    return null;
  }
  if (Array.isArray(value)) return `ARRAY[${value.map((v) => literal(field, v, enumValueDbNames)).join(", ")}]`;
  return literal(field, value, enumValueDbNames);
}

function literal(field: Field, value: unknown, enumValueDbNames: Map<string, Map<string, string>>): string {
  if (field.kind === "enum") return enumValueDbNames.get(field.type)?.get(String(value)) ?? String(value);
  // DateTime and Bytes literals are printed differently by PostgreSQL: compare presence only.
  if (field.type === "DateTime" || field.type === "Bytes") return "dbgenerated";
  return String(value);
}

/**
 * A column default as PostgreSQL prints it (pg_get_expr), reduced to a comparable form:
 * nextval(...) -> "autoincrement", CURRENT_TIMESTAMP/now() -> "now()", casts and quotes dropped.
 */
export function normaliseDbDefault(expr: string | null): string | null {
  if (expr === null) return null;
  if (/^nextval\(/i.test(expr)) return "autoincrement";
  if (/^(CURRENT_TIMESTAMP|now\(\))$/i.test(expr)) return "now()";
  const unquote = (s: string) => {
    const m = /^'(.*)'$/s.exec(s);
    return m ? m[1]!.replace(/''/g, "'") : s;
  };
  const withoutCasts = (s: string) => s.replace(/::(?:"[^"]+"|[a-z_][\w ]*(?:\(\d+(?:,\d+)?\))?)(?:\[\])*/gi, "");
  const array = /^ARRAY\[(.*?)\](?:::(?:"[^"]+"|[a-z_][\w ]*)(?:\[\])+)?$/is.exec(expr);
  if (array) {
    const inner = withoutCasts(array[1]!).trim();
    const items = inner === "" ? [] : splitTopLevel(inner).map((s) => unquote(s.trim()));
    return `ARRAY[${items.join(", ")}]`;
  }
  // '{}'::text[] is another spelling of an empty array
  if (/^'\{\}'::[^[]+\[\]$/.test(expr)) return "ARRAY[]";
  return unquote(withoutCasts(expr).trim());
}

function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "'") quoted = !quoted;
    else if (s[i] === "," && !quoted) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

/** What the migrations must build for this schema.prisma text. */
export function expectedShape(schemaText: string): SchemaShape {
  const dm = parseDatamodel(schemaText);
  const enumDbNames = new Map(dm.enums.map((e) => [e.name, e.dbName ?? e.name]));
  const enumValueDbNames = new Map(
    dm.enums.map((e) => [e.name, new Map(e.values.map((v) => [v.name, v.dbName ?? v.name]))]),
  );
  const models = new Map(dm.models.map((m) => [m.name, m]));
  const tableOf = (m: Model) => m.dbName ?? m.name;
  const columnOf = (m: Model, fieldName: string) => {
    const f = m.fields.find((x) => x.name === fieldName);
    if (!f) throw new Error(`schema-shape: ${m.name} has no field ${fieldName}`);
    return f.dbName ?? f.name;
  };

  const shape: SchemaShape = { tables: {}, enums: {} };
  for (const e of dm.enums) shape.enums[e.dbName ?? e.name] = e.values.map((v) => v.dbName ?? v.name);

  for (const m of dm.models) {
    const table = tableOf(m);
    const t: TableShape = { columns: {}, indexes: [], foreignKeys: [], origin: `model ${m.name}` };
    for (const f of m.fields) {
      if (f.kind !== "scalar" && f.kind !== "enum") continue;
      t.columns[f.dbName ?? f.name] = {
        type: columnType(f, enumDbNames),
        // Prisma scalar lists are declared without NOT NULL.
        nullable: f.isList ? true : !f.isRequired,
        default: expectedDefault(f, enumValueDbNames),
        origin: `${m.name}.${f.name}`,
      };
    }
    for (const f of m.fields) {
      if (f.kind !== "object" || !f.relationFromFields?.length) continue;
      const target = models.get(f.type);
      if (!target) throw new Error(`schema-shape: relation ${m.name}.${f.name} points at unknown model ${f.type}`);
      const columns = f.relationFromFields.map((n) => columnOf(m, n));
      const anyOptional = f.relationFromFields.some((n) => !m.fields.find((x) => x.name === n)?.isRequired);
      t.foreignKeys.push({
        name: prismaConstraintName(table, columns, "_fkey"),
        columns,
        refTable: tableOf(target),
        refColumns: (f.relationToFields ?? []).map((n) => columnOf(target, n)),
        onDelete: (f.relationOnDelete as ReferentialAction | undefined) ?? (anyOptional ? "SetNull" : "Restrict"),
        onUpdate: (f.relationOnUpdate as ReferentialAction | undefined) ?? "Cascade",
      });
    }
    shape.tables[table] = t;
  }

  for (const idx of dm.indexes) {
    const m = models.get(idx.model);
    if (!m) continue; // composite types etc.
    const table = tableOf(m);
    const columns = idx.fields.map((f) => columnOf(m, f.name));
    const kind = idx.type === "id" ? "primary" : idx.type === "unique" ? "unique" : "index";
    const suffix = kind === "primary" ? "_pkey" : kind === "unique" ? "_key" : "_idx";
    shape.tables[table]!.indexes.push({
      name: idx.dbName ?? prismaConstraintName(table, columns, suffix),
      columns: idx.fields.map((f, i) => columns[i]! + (f.sortOrder === "desc" ? " DESC" : "")),
      kind,
      method: (idx.algorithm ?? "btree").toLowerCase(),
      where: null,
    });
  }

  // Implicit many-to-many: both sides are lists without fields. Prisma (6+) builds "_<Relation>"
  // with columns A and B (A = the model whose name sorts first), a composite primary key
  // "_<Relation>_AB_pkey", an index on B, and cascading foreign keys.
  const seen = new Set<string>();
  for (const m of dm.models) {
    for (const f of m.fields) {
      if (f.kind !== "object" || !f.isList || !f.relationName || seen.has(f.relationName)) continue;
      const other = models.get(f.type);
      const back = other?.fields.find((x) => x.relationName === f.relationName && x !== f);
      if (!other || !back?.isList) continue;
      seen.add(f.relationName);
      const [a, b] = [m, other].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)) as [Model, Model];
      const table = `_${f.relationName}`;
      const idColumn = (model: Model) => {
        const id = model.fields.find((x) => x.isId);
        if (!id)
          throw new Error(`schema-shape: ${model.name} needs a single @id for the implicit relation ${f.relationName}`);
        return id;
      };
      const [idA, idB] = [idColumn(a), idColumn(b)];
      shape.tables[table] = {
        origin: `implicit many-to-many relation ${f.relationName}`,
        columns: {
          A: { type: columnType(idA, enumDbNames), nullable: false, default: null, origin: `${f.relationName}.A` },
          B: { type: columnType(idB, enumDbNames), nullable: false, default: null, origin: `${f.relationName}.B` },
        },
        indexes: [
          { name: `${table}_AB_pkey`, columns: ["A", "B"], kind: "primary", method: "btree", where: null },
          { name: `${table}_B_index`, columns: ["B"], kind: "index", method: "btree", where: null },
        ],
        foreignKeys: [
          {
            name: `${table}_A_fkey`,
            columns: ["A"],
            refTable: tableOf(a),
            refColumns: [idA.dbName ?? idA.name],
            onDelete: "Cascade",
            onUpdate: "Cascade",
          },
          {
            name: `${table}_B_fkey`,
            columns: ["B"],
            refTable: tableOf(b),
            refColumns: [idB.dbName ?? idB.name],
            onDelete: "Cascade",
            onUpdate: "Cascade",
          },
        ],
      };
    }
  }
  return shape;
}

const ACTIONS: Record<string, ReferentialAction> = {
  a: "NoAction",
  r: "Restrict",
  c: "Cascade",
  n: "SetNull",
  d: "SetDefault",
};

/** What the database in `client`'s current schema (normally public) actually holds. */
export async function databaseShape(client: pg.ClientBase): Promise<SchemaShape> {
  const shape: SchemaShape = { tables: {}, enums: {} };
  const tables = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')`,
  );
  for (const { name } of tables.rows) {
    if (!RUNNER_TABLES.has(name)) shape.tables[name] = { columns: {}, indexes: [], foreignKeys: [] };
  }

  const columns = await client.query<{
    table: string;
    column: string;
    type: string;
    nullable: boolean;
    default: string | null;
  }>(
    `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
            NOT a.attnotnull AS nullable, pg_get_expr(d.adbin, d.adrelid) AS default
     FROM pg_attribute a
     JOIN pg_class c ON c.oid = a.attrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY c.relname, a.attnum`,
  );
  for (const r of columns.rows) {
    const t = shape.tables[r.table];
    if (!t) continue;
    t.columns[r.column] = {
      type: r.type.replace(/"/g, ""),
      nullable: r.nullable,
      default: normaliseDbDefault(r.default),
    };
  }

  const indexes = await client.query<{
    table: string;
    name: string;
    primary: boolean;
    unique: boolean;
    method: string;
    columns: string[];
    where: string | null;
  }>(
    `SELECT t.relname AS table, i.relname AS name, ix.indisprimary AS primary, ix.indisunique AS unique,
            am.amname AS method, pg_get_expr(ix.indpred, ix.indrelid) AS where,
            ARRAY(
              SELECT CASE WHEN k.attnum = 0 THEN pg_get_indexdef(ix.indexrelid, k.ord::int, true) ELSE a.attname::text END
                     || CASE WHEN (ix.indoption[k.ord - 1] & 1) = 1 THEN ' DESC' ELSE '' END
              FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
              LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum
              WHERE k.ord <= ix.indnkeyatts
              ORDER BY k.ord
            )::text[] AS columns
     FROM pg_index ix
     JOIN pg_class i ON i.oid = ix.indexrelid
     JOIN pg_class t ON t.oid = ix.indrelid
     JOIN pg_namespace n ON n.oid = t.relnamespace
     JOIN pg_am am ON am.oid = i.relam
     WHERE n.nspname = current_schema()`,
  );
  for (const r of indexes.rows) {
    shape.tables[r.table]?.indexes.push({
      name: r.name,
      columns: r.columns,
      kind: r.primary ? "primary" : r.unique ? "unique" : "index",
      method: r.method,
      where: r.where,
    });
  }

  const fks = await client.query<{
    table: string;
    name: string;
    ref_table: string;
    del: string;
    upd: string;
    columns: string[];
    ref_columns: string[];
  }>(
    `SELECT t.relname AS table, c.conname AS name, rt.relname AS ref_table, c.confdeltype AS del, c.confupdtype AS upd,
            ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns,
            ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS ref_columns
     FROM pg_constraint c
     JOIN pg_class t ON t.oid = c.conrelid
     JOIN pg_class rt ON rt.oid = c.confrelid
     JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE c.contype = 'f' AND n.nspname = current_schema()`,
  );
  for (const r of fks.rows) {
    shape.tables[r.table]?.foreignKeys.push({
      name: r.name,
      columns: r.columns,
      refTable: r.ref_table,
      refColumns: r.ref_columns,
      onDelete: ACTIONS[r.del] ?? (r.del as ReferentialAction),
      onUpdate: ACTIONS[r.upd] ?? (r.upd as ReferentialAction),
    });
  }

  const enums = await client.query<{ name: string; values: string[] }>(
    `SELECT t.typname AS name, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS values
     FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = current_schema() GROUP BY t.typname`,
  );
  for (const r of enums.rows) shape.enums[r.name] = r.values;
  return shape;
}

const describeColumn = (c: ColumnShape) =>
  `${c.type}${c.nullable ? "" : " NOT NULL"}${c.default === null ? "" : ` DEFAULT ${c.default}`}`;
const describeIndex = (i: IndexShape) =>
  `${i.kind === "primary" ? "PRIMARY KEY" : i.kind === "unique" ? "UNIQUE INDEX" : "INDEX"} ${i.name} (${i.columns.join(", ")})` +
  `${i.method === "btree" ? "" : ` USING ${i.method}`}${i.where ? ` WHERE ${i.where}` : ""}`;
const describeFk = (f: ForeignKeyShape) =>
  `FOREIGN KEY ${f.name} (${f.columns.join(", ")}) -> ${f.refTable}(${f.refColumns.join(", ")}) ` +
  `ON DELETE ${f.onDelete} ON UPDATE ${f.onUpdate}`;

/**
 * Every difference between what schema.prisma declares (expected) and what the database holds
 * (actual), one readable line each; empty when they agree.
 */
export function diffShapes(expected: SchemaShape, actual: SchemaShape): string[] {
  const out: string[] = [];
  for (const [name, values] of Object.entries(expected.enums)) {
    const got = actual.enums[name];
    if (!got) out.push(`enum "${name}": declared in schema.prisma, missing in the database`);
    else if (got.join(",") !== values.join(","))
      out.push(
        `enum "${name}": database has values [${got.join(", ")}], schema.prisma declares [${values.join(", ")}]`,
      );
  }
  for (const name of Object.keys(actual.enums)) {
    if (!expected.enums[name]) out.push(`enum "${name}": exists in the database, not declared in schema.prisma`);
  }

  for (const [table, exp] of Object.entries(expected.tables)) {
    const act = actual.tables[table];
    if (!act) {
      out.push(`table "${table}" (${exp.origin ?? "schema.prisma"}): missing in the database`);
      continue;
    }
    for (const [column, c] of Object.entries(exp.columns)) {
      const a = act.columns[column];
      const where = `column "${table}"."${column}" (${c.origin ?? "schema.prisma"})`;
      if (!a) {
        out.push(`${where}: missing in the database (schema.prisma declares ${describeColumn(c)})`);
        continue;
      }
      if (a.type !== c.type) out.push(`${where}: type is ${a.type} in the database, schema.prisma declares ${c.type}`);
      if (a.nullable !== c.nullable)
        out.push(
          `${where}: ${a.nullable ? "nullable" : "NOT NULL"} in the database, schema.prisma declares it ${c.nullable ? "nullable" : "NOT NULL"}`,
        );
      const defaultsAgree = c.default === "dbgenerated" ? a.default !== null : a.default === c.default;
      if (!defaultsAgree)
        out.push(
          `${where}: default is ${a.default ?? "(none)"} in the database, schema.prisma declares ${c.default ?? "(none)"}`,
        );
    }
    for (const [column, a] of Object.entries(act.columns)) {
      if (!exp.columns[column])
        out.push(
          `column "${table}"."${column}": exists in the database (${describeColumn(a)}), not declared in schema.prisma`,
        );
    }

    const indexKey = (i: IndexShape) => i.name;
    const actIndexes = new Map(act.indexes.map((i) => [indexKey(i), i]));
    for (const i of exp.indexes) {
      const a = actIndexes.get(indexKey(i));
      if (!a) {
        const sameColumns = act.indexes.find((x) => x.kind === i.kind && x.columns.join() === i.columns.join());
        out.push(
          `table "${table}": ${describeIndex(i)} is missing in the database` +
            (sameColumns ? ` (it has ${describeIndex(sameColumns)}: Prisma's name differs)` : ""),
        );
        continue;
      }
      actIndexes.delete(indexKey(i));
      if (describeIndex(a) !== describeIndex(i))
        out.push(`table "${table}": database has ${describeIndex(a)}, schema.prisma declares ${describeIndex(i)}`);
    }
    for (const a of actIndexes.values())
      out.push(`table "${table}": ${describeIndex(a)} exists in the database, not declared in schema.prisma`);

    const fkKey = (f: ForeignKeyShape) => `${f.columns.join(",")}->${f.refTable}`;
    const actFks = new Map(act.foreignKeys.map((f) => [fkKey(f), f]));
    for (const f of exp.foreignKeys) {
      const a = actFks.get(fkKey(f));
      if (!a) {
        out.push(`table "${table}": ${describeFk(f)} is missing in the database`);
        continue;
      }
      actFks.delete(fkKey(f));
      if (describeFk(a) !== describeFk(f))
        out.push(`table "${table}": database has ${describeFk(a)}, schema.prisma declares ${describeFk(f)}`);
    }
    for (const a of actFks.values())
      out.push(`table "${table}": ${describeFk(a)} exists in the database, not declared in schema.prisma`);
  }
  for (const table of Object.keys(actual.tables)) {
    if (!expected.tables[table]) out.push(`table "${table}": exists in the database, not declared in schema.prisma`);
  }
  return out;
}
