import { Command } from "commander";
import { ConfigError } from "../config";
import { registerStart } from "./commands/start";
import { registerStats } from "./commands/stats";
import { CliError } from "./context";

const program = new Command()
  .name("liber")
  .description("LIBER Studio: lifelong user interests from LLM summaries")
  .showHelpAfterError();

registerStart(program);
registerStats(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const known = err instanceof CliError || err instanceof ConfigError || (err as Error)?.name?.endsWith("Error");
  process.stderr.write(`error: ${(err as Error)?.message ?? String(err)}\n`);
  if (!known || process.env.LIBER_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ""}\n`);
  process.exit(err instanceof CliError ? err.exitCode : 1);
}
