import { defineConfig } from "prisma/config";

// Used by the Prisma CLI only. The app applies migrations with its own runner (lib/db/migrate.ts),
// because Prisma's schema engine cannot be downloaded on offline machines.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/liber" },
});
