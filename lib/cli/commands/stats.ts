import type { Command } from "commander";
import { datasetStats } from "../../db/stats";
import { info, printJson, withDatabase } from "../context";

export function registerStats(program: Command): void {
  program
    .command("stats")
    .description("count users, items and behaviours in the database")
    .option("--json", "print machine-readable JSON")
    .action(async (opts: { json?: boolean }) => {
      const stats = await withDatabase(datasetStats, { quiet: opts.json });
      if (opts.json) printJson(stats);
      else info(`users ${stats.users}\nitems ${stats.items}\nbehaviors ${stats.behaviors}`);
    });
}
