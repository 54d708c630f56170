import { NextResponse } from "next/server";
import { route } from "@/lib/auth/route";
import { databaseHealth } from "@/lib/db/health";

export const dynamic = "force-dynamic";

export const GET = route({ access: "public" }, async () => {
  const database = await databaseHealth();
  return NextResponse.json({ status: database.ok ? "ok" : "degraded", database }, { status: database.ok ? 200 : 503 });
});
