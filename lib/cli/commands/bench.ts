import type { Command } from "commander";
import { BENCH_TARGETS } from "../../bench/targets";
import { info, printJson } from "../context";

/**
 * `liber bench <target>`: performance measurements (lib/bench), each against a FRESH temporary
 * embedded PostgreSQL (its own folder and free port, stopped and deleted afterwards), so that
 * figures never depend on, or touch, the user's data.
 */
export function registerBench(program: Command): void {
  const bench = program
    .command("bench")
    .description("measure performance on a fresh temporary database (never your data)");
  for (const target of BENCH_TARGETS) {
    let cmd = bench
      .command(target.name)
      .description(target.description)
      .option("--json", "print the result as JSON on stdout");
    cmd = target.configure?.(cmd) ?? cmd;
    cmd.action(async (opts: Record<string, string | boolean | undefined>) => {
      const log = (line: string) => info(line);
      const result = await target.run(opts, log);
      if (opts.json) printJson(result);
      else info(target.describe(result));
    });
  }
}
