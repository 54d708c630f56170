import type { Command } from "commander";
import { DatasetError, type DatasetImportOptions } from "../../datasets/common";
import { importEventLog, parseColumnMap, type LogFormat } from "../../datasets/generic";
import { importLastFm } from "../../datasets/lastfm";
import { importMovieLens } from "../../datasets/movielens";
import { terminalProgress } from "../progress";
import type { ImportSummary } from "../../ingest/session";
import { TIMESTAMP_FORMATS, type TimestampFormat } from "../../ingest/validate";
import { CliError, info, printJson, withDatabase } from "../context";
import { printImportSummaries, summariseAfterImport, type WithSummaries } from "./summarise";

interface CommonFlags {
  strict?: boolean;
  /** --no-summarise */
  summarise?: boolean;
  json?: boolean;
  source?: string;
  batchSize?: string;
}

const SHOWN_ERRORS = 20;

export function registerImport(program: Command): void {
  const cmd = program
    .command("import")
    .description(
      "import a behaviour log: MovieLens, Last.fm, or any CSV/NDJSON log (idempotent: re-importing adds nothing)",
    );

  withCommonOptions(
    cmd
      .command("movielens")
      .argument(
        "<dir>",
        "a MovieLens folder: ml-latest-small/ml-latest/ml-25m (CSV), ml-100k (u.data) or ml-1m (*.dat)",
      )
      .description("import MovieLens ratings (kind rate) and tags (kind tag); movies become items")
      .option(
        "--id-prefix <prefix>",
        "prefix user and item ids (when another dataset's numeric ids are already in the database)",
      ),
    "movielens",
  ).action(async (dir: string, flags: CommonFlags & { idPrefix?: string }) => {
    await runAndReport(flags, () => importMovieLens(dir, datasetOptions(flags)));
  });

  withCommonOptions(
    cmd
      .command("lastfm")
      .argument("<dir>", "the hetrec2011-lastfm-2k folder")
      .description(
        "import Last.fm HetRec 2011 taggings (kind tag, timestamped); artists become items, play counts user attributes " +
          "(plays have no time, so they are not behaviours)",
      )
      .option(
        "--id-prefix <prefix>",
        "prefix user and item ids (when another dataset's numeric ids are already in the database)",
      )
      .option(
        "--create-missing-items",
        "create artists that taggings name but artists.dat lacks (titled with their id, flagged) instead of rejecting those taggings",
      ),
    "lastfm",
  ).action(async (dir: string, flags: CommonFlags & { idPrefix?: string; createMissingItems?: boolean }) => {
    await runAndReport(flags, () =>
      importLastFm(dir, { ...datasetOptions(flags), createMissingItems: Boolean(flags.createMissingItems) }),
    );
  });

  for (const format of ["csv", "ndjson"] as const) {
    const sub = withCommonOptions(
      cmd
        .command(format)
        .argument(
          "<file>",
          format === "csv" ? "a CSV file with a header row" : "an NDJSON file (one JSON object per line)",
        )
        .description(
          `import any ${format === "csv" ? "CSV" : "NDJSON"} behaviour log with a column mapping; ` +
            "items not in the database are created with their id as title, unless --items gives a catalogue",
        )
        .requiredOption(
          "--map <mapping>",
          "columns of user, item, ts and optionally kind, value, text, id: user=uid,item=movie,ts=time",
        )
        .option("--ts-format <format>", `how ts is written: ${TIMESTAMP_FORMATS.join(" | ")}`, "iso")
        .option("--kind <kind>", "the kind of every row (when no kind column is mapped), e.g. click")
        .option(
          "--items <file>",
          "an item catalogue (CSV or NDJSON: id, title, categories, tags); then unknown items are rejected",
        ),
      format,
    );
    if (format === "csv") sub.option("--delimiter <char>", "field separator", ",");
    sub.action(
      async (
        file: string,
        flags: CommonFlags & { map: string; tsFormat: string; kind?: string; items?: string; delimiter?: string },
      ) => {
        await runAndReport(flags, () =>
          importEventLog(file, {
            format: format as LogFormat,
            map: parseColumnMap(flags.map),
            tsFormat: flags.tsFormat as TimestampFormat,
            kind: flags.kind,
            source: flags.source,
            items: flags.items,
            delimiter: flags.delimiter === "\\t" ? "\t" : flags.delimiter,
            strict: flags.strict,
            batchSize: batchSize(flags.batchSize),
            progress: terminalProgress(`import ${format}`),
          }),
        );
      },
    );
  }
}

function withCommonOptions(cmd: Command, defaultSource: string): Command {
  return cmd
    .option("--strict", "write nothing if any row is rejected")
    .option("--json", "print a machine-readable summary on stdout")
    .option(
      "--source <name>",
      `source name of the behaviours (namespace of their event ids)`,
      defaultSource === "csv" || defaultSource === "ndjson" ? undefined : defaultSource,
    )
    .option("--batch-size <n>", "events per database batch", "25000")
    .option("--no-summarise", "do not summarise the newly sealed partitions with the LLM (UIL) after the import");
}

function datasetOptions(flags: CommonFlags & { idPrefix?: string }): DatasetImportOptions {
  return {
    strict: flags.strict,
    source: flags.source,
    idPrefix: flags.idPrefix,
    batchSize: batchSize(flags.batchSize),
    progress: terminalProgress("import"),
  };
}

function batchSize(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 100 || n > 1_000_000)
    throw new CliError("--batch-size must be an integer from 100 to 1000000");
  return n;
}

async function runAndReport(flags: CommonFlags, run: () => Promise<ImportSummary>): Promise<void> {
  let summary: ImportSummary & WithSummaries;
  try {
    // UIL: the partitions the import sealed are summarised before the command ends.
    summary = await withDatabase(() => run().then((s) => summariseAfterImport(s, flags)), { quiet: flags.json });
  } catch (err) {
    if (err instanceof DatasetError) throw new CliError(err.message);
    throw err;
  }
  if (flags.json) printJson(summary);
  else {
    printSummary(summary);
    printImportSummaries(summary);
  }
  if (summary.status === "failed") throw new CliError(summary.errorMessage ?? "import failed");
}

function printSummary(s: ImportSummary): void {
  const n = (v: number) => v.toLocaleString("en");
  info(
    [
      `${s.status === "succeeded" ? "imported" : "FAILED"}: ${s.importer} run #${s.runId}, source "${s.source}", ${(s.durationMs / 1000).toFixed(1)} s`,
      `  rows read       ${n(s.rowsRead)}  (${s.files.length} file${s.files.length === 1 ? "" : "s"})`,
      `  inserted        ${n(s.inserted)} behaviours  (${n(s.eventsPerSec)} events/s)`,
      `  duplicates      ${n(s.duplicates)}  (already in the log)`,
      `  rejected        ${n(s.rejected)}`,
      `  users created   ${n(s.usersCreated)}`,
      `  items created   ${n(s.itemsCreated)}`,
      ...(s.partitions.events > 0
        ? [
            `  partitions      ${n(s.partitions.sealed)} sealed from ${n(s.partitions.events)} new behaviours (${(s.partitions.durationMs / 1000).toFixed(1)} s of the total)`,
          ]
        : []),
    ].join("\n"),
  );
  for (const [key, value] of Object.entries(s.report)) {
    info(`  ${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
  }
  if (s.errors.length > 0) {
    info(
      `rejected rows${s.rejected > SHOWN_ERRORS ? ` (first ${SHOWN_ERRORS} of ${n(s.rejected)}; --json lists 100)` : ""}:`,
    );
    for (const e of s.errors.slice(0, SHOWN_ERRORS)) info(`  ${e.file}:${e.line}  ${e.reason}`);
  }
}
