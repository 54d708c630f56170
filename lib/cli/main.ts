import { Command } from "commander";
import { ConfigError } from "../config";
import { registerBench } from "./commands/bench";
import { registerCtr } from "./commands/ctr";
import { registerImport } from "./commands/import";
import { registerJobs } from "./commands/jobs";
import { registerPartition } from "./commands/partition";
import { registerStart } from "./commands/start";
import { registerStats } from "./commands/stats";
import { registerSummarise } from "./commands/summarise";
import { registerToken } from "./commands/token";
import { registerUif } from "./commands/uif";
import { registerUser } from "./commands/user";
import { CliError } from "./context";
import { enableEncodingAfterSummaries } from "../uif/hook";

const program = new Command()
  .name("liber")
  .description("LIBER Studio: lifelong user interests from LLM summaries")
  .showHelpAfterError();

// UIF: every summarise run of any command (start's background ingest, import, summarise) is followed by encoding.
enableEncodingAfterSummaries();

registerStart(program);
registerStats(program);
registerUser(program);
registerToken(program);
registerImport(program);
registerBench(program);
registerSummarise(program);
registerPartition(program);
registerJobs(program);
registerUif(program);
registerCtr(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const known = err instanceof CliError || err instanceof ConfigError || (err as Error)?.name?.endsWith("Error");
  process.stderr.write(`error: ${(err as Error)?.message ?? String(err)}\n`);
  if (!known || process.env.LIBER_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ""}\n`);
  process.exit(err instanceof CliError ? err.exitCode : 1);
}
