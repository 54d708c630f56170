import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "./generated/client";
import { databaseUrl } from "../config";

// int8 (bigint ids, counts) as JS numbers where they fit; ids above 2^53 never occur here.
pg.types.setTypeParser(20, (v) => Number(v));

interface DbHandles {
  url: string;
  pool: pg.Pool;
  prisma: PrismaClient;
}

// One pool and one Prisma client per process (survives Next's module reloading in dev).
const globalRef = globalThis as unknown as { __liberDb?: DbHandles };

export class DatabaseNotConfiguredError extends Error {
  constructor() {
    super("DATABASE_URL is not set: start the app with `npm start` or `liber`, which select the database.");
  }
}

function handles(): DbHandles {
  const url = databaseUrl();
  if (!url) throw new DatabaseNotConfiguredError();
  const current = globalRef.__liberDb;
  if (current && current.url === url) return current;
  const pool = new pg.Pool({ connectionString: url, max: 10, application_name: "liber-studio" });
  pool.on("error", () => {}); // idle client errors are reported on the next query
  // A checked-out client that loses its server (a database restart) emits "error" between
  // queries; unheard, that would crash the process. Its next query fails and is handled there.
  pool.on("connect", (client) => client.on("error", () => {}));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  globalRef.__liberDb = { url, pool, prisma };
  return globalRef.__liberDb;
}

/** The Prisma client: for ordinary reads and writes. */
export function db(): PrismaClient {
  return handles().prisma;
}

/** The raw pg pool: for bulk paths (COPY, multi-row upserts) where Prisma is too slow. */
export function pool(): pg.Pool {
  return handles().pool;
}

export async function closeDb(): Promise<void> {
  const current = globalRef.__liberDb;
  globalRef.__liberDb = undefined;
  if (!current) return;
  await current.prisma.$disconnect();
  await current.pool.end();
}
