import type { Command } from "commander";
import { partitionConfigSchema } from "../../liber/ubsp";
import { activateConfig, createConfigVersion, listConfigs } from "../../partitions/configs";
import { diffConfigs } from "../../partitions/diff";
import { previewConfig } from "../../partitions/preview";
import { recomputePartitions, type RecomputeProgress } from "../../partitions/recompute";
import { CONFIG_NAME_PATTERN } from "../../partitions/schemas";
import type { PartitionConfigView } from "../../partitions/contract";
import { CliError, info, printJson, withDatabase } from "../context";
import { terminalBar } from "../progress";

/**
 * `liber partition --config <ref> [--users a,b,c]`: recompute a config version's partitions
 * (what POST /api/partition-configs/{id}/recompute does), plus the config operations of the
 * dashboard: list, create, activate, diff, preview. <ref> is an id, name@version or a label
 * ("active").
 */
export function registerPartition(program: Command): void {
  const cmd = program
    .command("partition")
    .description("recompute UBSP partitions of a config version (--config), or manage versions (subcommands)")
    .option("--config <ref>", "the version to recompute: id, name@version or active")
    .option("--users <ids>", "comma-separated external user ids (default: every user)")
    .option("--json", "print the result as JSON on stdout")
    .action(async (opts: { config?: string; users?: string; json?: boolean }) => {
      if (!opts.config)
        throw new CliError("give the version to recompute: liber partition --config <id | name@version | active>");
      const users = opts.users
        ?.split(",")
        .map((u) => u.trim())
        .filter(Boolean);
      const summary = await withDatabase(
        () => recomputePartitions(opts.config!, { users, onProgress: progressBar() }),
        { quiet: opts.json },
      );
      if (opts.json) printJson(summary);
      else
        info(
          `recomputed config ${summary.configId}: ${n(summary.partitions)} partitions, ${n(summary.users)} users, ` +
            `${n(summary.events)} events in ${n(summary.durationMs)} ms`,
        );
    });

  cmd
    .command("list")
    .description("list config versions, newest first")
    .action(async (_opts, sub: Command) => {
      const json = Boolean(sub.optsWithGlobals().json);
      const configs = await withDatabase(() => listConfigs(), { quiet: json });
      if (json) printJson({ configs });
      else
        info(
          configs.length === 0
            ? "no config versions yet (ingestion creates default@1)"
            : configs.map(describe).join("\n"),
        );
    });

  cmd
    .command("create")
    .description("write the next version of a config name")
    .argument("<name>", "config name: 1-64 characters a-z 0-9 _ -")
    .argument("<config>", 'the rules as JSON, e.g. \'{"maxCount":50,"maxGapMs":7776000000}\'')
    .option("--note <text>", "what changed and why")
    .action(async (name: string, raw: string, opts: { note?: string }, sub: Command) => {
      const json = Boolean(sub.optsWithGlobals().json);
      if (!CONFIG_NAME_PATTERN.test(name)) throw new CliError("the name must be 1-64 characters a-z, 0-9, _ or -");
      const config = parseConfig(raw);
      const created = await withDatabase(() => createConfigVersion({ name, config, note: opts.note }), { quiet: json });
      if (json) printJson({ config: created });
      else info(`created ${describe(created)}`);
    });

  cmd
    .command("activate")
    .description("make a version the one ingestion advances (moves the active label)")
    .argument("<ref>", "id, name@version or label")
    .action(async (ref: string, _opts, sub: Command) => {
      const json = Boolean(sub.optsWithGlobals().json);
      const config = await withDatabase(() => activateConfig(ref), { quiet: json });
      if (json) printJson({ config });
      else info(`active: ${describe(config)}\n(recompute it with: liber partition --config ${config.id})`);
    });

  cmd
    .command("diff")
    .description("compare two versions: rules, and stored partitions by content hash")
    .argument("<a>")
    .argument("<b>")
    .action(async (a: string, b: string, _opts, sub: Command) => {
      const json = Boolean(sub.optsWithGlobals().json);
      const diff = await withDatabase(() => diffConfigs(a, b), { quiet: json });
      if (json) return printJson(diff);
      const lines = [`a: ${describe(diff.a)}`, `b: ${describe(diff.b)}`];
      for (const c of diff.changes) lines.push(`  ${c.field}: ${c.a ?? "off"} -> ${c.b ?? "off"}`);
      if (diff.changes.length === 0) lines.push("  same rules");
      const p = diff.partitions;
      lines.push(`partitions: ${n(p.shared)} shared, ${n(p.onlyInA)} only in a, ${n(p.onlyInB)} only in b`);
      info(lines.join("\n"));
    });

  cmd
    .command("preview")
    .description("what-if: partition the whole log with a draft config, without saving")
    .argument("<config>", "the draft rules as JSON")
    .option("--user <id>", "also show one user's partitions")
    .action(async (raw: string, opts: { user?: string }, sub: Command) => {
      const json = Boolean(sub.optsWithGlobals().json);
      const config = parseConfig(raw);
      const result = await withDatabase(() => previewConfig({ config, user: opts.user }), { quiet: json });
      if (json) return printJson(result);
      const p = result.population;
      const lines = [
        `${n(p.partitions)} partitions for ${n(p.users)} users (${n(p.events)} events)`,
        `${n(p.differingFromActive)} differ from the active version${p.activeConfigId === null ? " (none active)" : ` (id ${p.activeConfigId})`}`,
        `re-summarising them: ${n(p.estimate.calls)} calls, ${n(p.estimate.promptTokens)} prompt + ${n(p.estimate.completionTokens)} completion tokens, ` +
          `about $${p.estimate.cost.toFixed(2)}`,
        `sizes: ${p.sizeHistogram.map((b) => `${b.min === b.max ? b.min : `${b.min}-${b.max}`}:${b.count}`).join(" ")}`,
      ];
      if (result.user)
        lines.push(
          `user ${opts.user}: ${result.user.partitions.length} partitions, open cache ${result.user.openCache?.count ?? 0} events`,
        );
      info(lines.join("\n"));
    });
}

function parseConfig(raw: string) {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new CliError(`the config is not valid JSON: ${raw}`);
  }
  const parsed = partitionConfigSchema.safeParse(json);
  if (!parsed.success)
    throw new CliError(
      `invalid config: ${parsed.error.issues.map((i) => `${i.path.join(".") || "config"}: ${i.message}`).join("; ")}`,
    );
  return parsed.data;
}

const n = (v: number) => v.toLocaleString("en");

function describe(c: PartitionConfigView): string {
  const labels = c.labels.length > 0 ? ` [${c.labels.join(", ")}]` : "";
  return `${c.id}  ${c.name}@${c.version}${labels}  ${JSON.stringify(c.config)}  ${n(c.partitionCount)} partitions, ${n(c.userCount)} users`;
}

/** A bar on stderr when it is a terminal; nothing otherwise (pipes and --json stay clean). */
function progressBar(stream: NodeJS.WriteStream = process.stderr): ((p: RecomputeProgress) => void) | undefined {
  const bar = terminalBar(
    "partition [{bar}] {percentage}% | {value}/{total} users | {events} events | ETA {eta_formatted}",
    stream,
  );
  if (!bar) return undefined;
  let started = false;
  return (p) => {
    if (!started) {
      bar.start(Math.max(p.usersTotal, 1), 0, { events: "0" });
      started = true;
    }
    bar.update(p.usersDone, { events: p.eventsDone.toLocaleString("en") });
    if (p.usersDone >= p.usersTotal) bar.stop();
  };
}
