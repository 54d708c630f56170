import fs from "node:fs";
import path from "node:path";
import { config } from "../config";
import { pool } from "../db/client";
import { logProgress } from "../ingest/progress";
import { followUpDemoData } from "../jobs/follow-up";
import { encodeDemoData } from "../uif/demo";
import { importMovieLens } from "./movielens";

/** The demo dataset shipped with the repository (MovieLens ml-latest-small, 100,836 ratings). */
export const DEMO_DATASET_DIR = path.resolve(import.meta.dirname, "..", "..", "data", "ml-latest-small");

/** Has this database ever had an import, or any behaviour? */
export async function databaseHasData(): Promise<boolean> {
  const { rows } = await pool().query<{ has: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM import_runs) OR EXISTS (SELECT 1 FROM behaviors) AS has`,
  );
  return rows[0]!.has;
}

/**
 * On the very first start (no import ever, no behaviour) imports the MovieLens demo data, unless
 * LIBER_DEMO_DATA=none. Any later start, or a database that has had data (even if it was
 * deleted since), is left alone. Expects DATABASE_URL to be selected already.
 */
export async function seedDemoDataOnFirstRun(opts: {
  log: (line: string) => void;
  /** Tests: another folder, and the setting instead of LIBER_DEMO_DATA. */
  dir?: string;
  demoData?: "movielens" | "none";
}): Promise<void> {
  const { log } = opts;
  if ((opts.demoData ?? config().LIBER_DEMO_DATA) === "none") return;
  if (await databaseHasData()) return;
  const dir = opts.dir ?? DEMO_DATASET_DIR;
  if (!fs.existsSync(dir)) {
    log(`demo data: ${dir} not found, starting with an empty database (import data with \`liber import\`)`);
    return;
  }
  log(`demo data: first start, importing MovieLens ml-latest-small from ${dir} (set LIBER_DEMO_DATA=none to skip)`);
  const summary = await importMovieLens(dir, { progress: logProgress("demo data", log) });
  if (summary.status === "failed") {
    log(
      `demo data: import failed (${summary.errorMessage}); the app starts without it. Retry with \`liber import movielens ${dir}\``,
    );
    return;
  }
  log(
    `demo data: ${summary.inserted.toLocaleString("en")} behaviours, ${summary.usersCreated.toLocaleString("en")} users, ` +
      `${summary.itemsCreated.toLocaleString("en")} movies in ${(summary.durationMs / 1000).toFixed(1)} s` +
      (summary.rejected > 0 ? ` (${summary.rejected} rows rejected)` : ""),
  );
  // The pipeline's follow-up (summaries with the built-in provider, then vectors), run here to the end so the first start opens with summaries.
  await followUpDemoData(log);
  await encodeDemoData(log); // UIF: builtin IDF fitted on those summaries, every partition encoded, population map precomputed
}
