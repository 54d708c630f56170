import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  diffShapes,
  expectedShape,
  normaliseDbDefault,
  parseDatamodel,
  prismaConstraintName,
  SchemaParseError,
} from "./schema-shape";

// The comparator behind test/schema.integration.test.ts, tested both ways without a database:
// one schema plays "what the migrations built", an edited copy plays "what schema.prisma says".
const BASE = `
datasource db {
  provider = "postgresql"
}

enum Status {
  running
  done
  @@map("status")
}

model User {
  id         Int        @id @default(autoincrement())
  externalId String     @unique @map("external_id")
  attributes Json       @default("{}")
  score      Float?
  status     Status     @default(running)
  tags       String[]   @default([])
  createdAt  DateTime   @default(now()) @map("created_at") @db.Timestamptz(3)
  behaviors  Behavior[]
  @@index([score])
  @@map("users")
}

model Behavior {
  id     BigInt   @id @default(autoincrement())
  userId Int      @map("user_id")
  ts     DateTime
  kind   String   @db.VarChar(20)
  user   User     @relation(fields: [userId], references: [id], onDelete: Cascade)
  @@unique([kind, ts])
  @@index([userId, ts, id])
  @@map("behaviors")
}
`;

const edit = (from: string, to: string, text = BASE) => {
  if (!text.includes(from)) throw new Error(`test setup: ${from} not in schema`);
  return text.replace(from, to);
};
/** Differences when the database was built from `built` and schema.prisma now says `declared`. */
const diff = (declared: string, built = BASE) => diffShapes(expectedShape(declared), expectedShape(built));

describe("expectedShape", () => {
  it("maps Prisma types, @map names, nullability, defaults and Prisma's constraint names", () => {
    const shape = expectedShape(BASE);
    expect(Object.keys(shape.tables).sort()).toEqual(["behaviors", "users"]);
    expect(shape.enums).toEqual({ status: ["running", "done"] });
    const users = shape.tables.users!;
    expect(users.columns).toMatchObject({
      id: { type: "integer", nullable: false, default: "autoincrement" },
      external_id: { type: "text", nullable: false, default: null },
      attributes: { type: "jsonb", nullable: false, default: "{}" },
      score: { type: "double precision", nullable: true, default: null },
      status: { type: "status", nullable: false, default: "running" },
      // Prisma declares scalar lists without NOT NULL.
      tags: { type: "text[]", nullable: true, default: "ARRAY[]" },
      created_at: { type: "timestamp(3) with time zone", nullable: false, default: "now()" },
    });
    expect(users.indexes.map((i) => `${i.kind} ${i.name} ${i.columns.join(",")}`).sort()).toEqual([
      "index users_score_idx score",
      "primary users_pkey id",
      "unique users_external_id_key external_id",
    ]);
    const behaviors = shape.tables.behaviors!;
    expect(behaviors.columns.id).toMatchObject({ type: "bigint", default: "autoincrement" });
    expect(behaviors.columns.ts).toMatchObject({ type: "timestamp(3) without time zone" });
    expect(behaviors.columns.kind).toMatchObject({ type: "character varying(20)" });
    expect(behaviors.foreignKeys).toEqual([
      {
        name: "behaviors_user_id_fkey",
        columns: ["user_id"],
        refTable: "users",
        refColumns: ["id"],
        onDelete: "Cascade",
        onUpdate: "Cascade",
      },
    ]);
    expect(behaviors.indexes.map((i) => i.name).sort()).toEqual([
      "behaviors_kind_ts_key",
      "behaviors_pkey",
      "behaviors_user_id_ts_id_idx",
    ]);
  });

  it("uses Prisma's default referential actions: Restrict (SetNull when optional) on delete, Cascade on update", () => {
    const required = expectedShape(edit(", onDelete: Cascade)", ")")).tables.behaviors!.foreignKeys[0]!;
    expect([required.onDelete, required.onUpdate]).toEqual(["Restrict", "Cascade"]);
    const optional = expectedShape(
      edit(
        "userId Int      @map",
        "userId Int?     @map",
        edit("user   User     @relation", "user   User?    @relation", edit(", onDelete: Cascade)", ")")),
      ),
    ).tables.behaviors!.foreignKeys[0]!;
    expect([optional.onDelete, optional.onUpdate]).toEqual(["SetNull", "Cascade"]);
  });

  it("derives the join table of an implicit many-to-many relation", () => {
    const withTags = `${BASE}
model Tag {
  id    Int    @id @default(autoincrement())
  users User[]
  @@map("tags")
}`;
    const shape = expectedShape(
      edit("  behaviors  Behavior[]\n", "  behaviors  Behavior[]\n  labels     Tag[]\n", withTags),
    );
    expect(shape.tables._TagToUser).toEqual({
      origin: "implicit many-to-many relation TagToUser",
      columns: {
        A: { type: "integer", nullable: false, default: null, origin: "TagToUser.A" },
        B: { type: "integer", nullable: false, default: null, origin: "TagToUser.B" },
      },
      indexes: [
        { name: "_TagToUser_AB_pkey", columns: ["A", "B"], kind: "primary", method: "btree", where: null },
        { name: "_TagToUser_B_index", columns: ["B"], kind: "index", method: "btree", where: null },
      ],
      foreignKeys: [
        {
          name: "_TagToUser_A_fkey",
          columns: ["A"],
          refTable: "tags",
          refColumns: ["id"],
          onDelete: "Cascade",
          onUpdate: "Cascade",
        },
        {
          name: "_TagToUser_B_fkey",
          columns: ["B"],
          refTable: "users",
          refColumns: ["id"],
          onDelete: "Cascade",
          onUpdate: "Cascade",
        },
      ],
    });
  });

  it("covers every model of the real prisma/schema.prisma", () => {
    const text = fs.readFileSync(path.resolve(import.meta.dirname, "..", "prisma", "schema.prisma"), "utf8");
    const shape = expectedShape(text);
    const models = parseDatamodel(text).models;
    expect(models.length).toBeGreaterThan(0);
    for (const m of models) expect(shape.tables[m.dbName ?? m.name], m.name).toBeDefined();
  });

  it("reports a schema that does not parse", () => {
    expect(() => expectedShape("model {")).toThrow(SchemaParseError);
    expect(() => expectedShape(edit("score      Float?", "score      Floaty?"))).toThrow(
      /Type "Floaty" is neither a built-in type/,
    );
  });
});

describe("diffShapes", () => {
  it("finds nothing when both sides come from the same schema", () => {
    expect(diff(BASE)).toEqual([]);
  });

  it("reports a field that schema.prisma declares and the database lacks", () => {
    expect(diff(edit("  score      Float?\n", "  score      Float?\n  nickname   String\n"))).toEqual([
      `column "users"."nickname" (User.nickname): missing in the database (schema.prisma declares text NOT NULL)`,
    ]);
  });

  it("reports a column and a table that the database has and schema.prisma lacks", () => {
    const built = `${edit("  score      Float?\n", "  score      Float?\n  nickname   String?\n")}
model Extra {
  id Int @id
  @@map("extra")
}`;
    expect(diff(BASE, built)).toEqual([
      `column "users"."nickname": exists in the database (text), not declared in schema.prisma`,
      `table "extra": exists in the database, not declared in schema.prisma`,
    ]);
  });

  it("reports a missing table", () => {
    const declared = `${BASE}
model Extra {
  id Int @id
  @@map("extra")
}`;
    expect(diff(declared)).toEqual([`table "extra" (model Extra): missing in the database`]);
  });

  it("reports type, nullability and default differences", () => {
    const declared = edit(
      `  createdAt  DateTime   @default(now()) @map("created_at") @db.Timestamptz(3)`,
      `  createdAt  DateTime?  @map("created_at")`,
      edit(`attributes Json       @default("{}")`, `attributes Json       @default("[]")`),
    );
    expect(diff(declared)).toEqual([
      `column "users"."attributes" (User.attributes): default is {} in the database, schema.prisma declares []`,
      `column "users"."created_at" (User.createdAt): type is timestamp(3) with time zone in the database, schema.prisma declares timestamp(3) without time zone`,
      `column "users"."created_at" (User.createdAt): NOT NULL in the database, schema.prisma declares it nullable`,
      `column "users"."created_at" (User.createdAt): default is now() in the database, schema.prisma declares (none)`,
    ]);
  });

  it("reports index column order, uniqueness and name differences", () => {
    const declared = edit(
      "@@index([userId, ts, id])",
      "@@index([ts, userId, id])",
      edit("@@index([score])", "@@unique([score])"),
    );
    expect(diff(declared)).toEqual([
      `table "users": UNIQUE INDEX users_score_key (score) is missing in the database`,
      `table "users": INDEX users_score_idx (score) exists in the database, not declared in schema.prisma`,
      `table "behaviors": INDEX behaviors_ts_user_id_id_idx (ts, user_id, id) is missing in the database`,
      `table "behaviors": INDEX behaviors_user_id_ts_id_idx (user_id, ts, id) exists in the database, not declared in schema.prisma`,
    ]);
    // Same columns under another name: say that only the name differs.
    expect(diff(edit("@@index([score])", `@@index([score], map: "score_index")`))).toEqual([
      `table "users": INDEX score_index (score) is missing in the database (it has INDEX users_score_idx (score): Prisma's name differs)`,
      `table "users": INDEX users_score_idx (score) exists in the database, not declared in schema.prisma`,
    ]);
    expect(diff(edit("@@index([score])", "@@index([score(sort: Desc)])"))).toEqual([
      `table "users": database has INDEX users_score_idx (score), schema.prisma declares INDEX users_score_idx (score DESC)`,
    ]);
    expect(diff(edit("@@index([score])", "@@index([score], type: Hash)"))).toEqual([
      `table "users": database has INDEX users_score_idx (score), schema.prisma declares INDEX users_score_idx (score) USING hash`,
    ]);
  });

  it("reports foreign key action differences", () => {
    expect(diff(edit("onDelete: Cascade)", "onDelete: Restrict, onUpdate: NoAction)"))).toEqual([
      `table "behaviors": database has FOREIGN KEY behaviors_user_id_fkey (user_id) -> users(id) ON DELETE Cascade ON UPDATE Cascade, ` +
        `schema.prisma declares FOREIGN KEY behaviors_user_id_fkey (user_id) -> users(id) ON DELETE Restrict ON UPDATE NoAction`,
    ]);
  });

  it("reports enum value differences and missing enums", () => {
    expect(diff(edit("  done\n", "  done\n  failed\n"))).toEqual([
      `enum "status": database has values [running, done], schema.prisma declares [running, done, failed]`,
    ]);
    const declared = `${BASE}
enum Role {
  viewer
}`;
    expect(diff(declared)).toEqual([`enum "Role": declared in schema.prisma, missing in the database`]);
    expect(diff(BASE, declared)).toEqual([`enum "Role": exists in the database, not declared in schema.prisma`]);
  });
});

describe("prismaConstraintName", () => {
  it("follows Prisma's naming and truncates to PostgreSQL's 63 bytes like Prisma does", () => {
    expect(prismaConstraintName("users", ["external_id"], "_key")).toBe("users_external_id_key");
    expect(prismaConstraintName("users", [], "_pkey")).toBe("users_pkey");
    const long = prismaConstraintName(
      "a_really_long_table_name_for_testing",
      ["first_column_name", "second_column_name"],
      "_idx",
    );
    expect(long).toBe("a_really_long_table_name_for_testing_first_column_name_seco_idx");
    expect(long).toHaveLength(63);
    expect(prismaConstraintName("t".repeat(70), [], "_pkey")).toBe(`${"t".repeat(58)}_pkey`);
  });
});

describe("normaliseDbDefault", () => {
  it.each([
    [`nextval('users_id_seq'::regclass)`, "autoincrement"],
    ["CURRENT_TIMESTAMP", "now()"],
    ["now()", "now()"],
    [`'{}'::jsonb`, "{}"],
    [`'running'::status`, "running"],
    [`'viewer'::"Role"`, "viewer"],
    [`'it''s'::text`, "it's"],
    ["0", "0"],
    [`'-1'::integer`, "-1"],
    ["0.5", "0.5"],
    ["true", "true"],
    ["ARRAY[]::text[]", "ARRAY[]"],
    [`ARRAY['a'::text, 'b, c'::text]`, "ARRAY[a, b, c]"],
    [`'{}'::text[]`, "ARRAY[]"],
    [null, null],
  ])("%s -> %s", (input, output) => {
    expect(normaliseDbDefault(input)).toBe(output);
  });
});
