import fs from "node:fs";
import type { Command } from "commander";
import type { EncodeResult, ExportFormat, FitResult } from "../../uif/contract";
import { exportChunks, planExport } from "../../uif/features";
import { instantSchema } from "../../uif/schemas";
import { runEncodersAction } from "../../uif/service";
import { CliError, info, printJson, withDatabase } from "../context";

/**
 * UIF from the command line: what POST /api/uif/encoders and GET /api/uif/export do.
 *   liber encode [--encoder builtin|openai|<id>] [--refit [--as-of T] [--dims D]] [--users a,b] [--json]
 *   liber export features --as-of T --format csv|jsonl|npy|parquet [--users a,b] [--out FILE]
 */

const FORMATS = ["csv", "jsonl", "npy", "parquet"] as const;

function parseInstant(raw: string, flag: string): Date {
  const parsed = instantSchema.safeParse(raw);
  if (!parsed.success) throw new CliError(`${flag} must be an ISO 8601 date-time or epoch milliseconds`);
  return parsed.data;
}

const userList = (raw: string | undefined) =>
  raw
    ?.split(",")
    .map((u) => u.trim())
    .filter(Boolean);

export function registerUif(program: Command): void {
  program
    .command("encode")
    .description("encode summarised partitions into vectors (only those without a vector under the encoder version)")
    .option(
      "--encoder <ref>",
      "builtin (the newest builtin version), openai (the configured endpoint) or an encoder version id",
      "builtin",
    )
    .option("--refit", "first fit a new builtin IDF version on the stored summaries, then encode under it")
    .option(
      "--as-of <time>",
      "with --refit: fit only on summaries of partitions sealed before this time (ISO or epoch ms)",
    )
    .option("--dims <n>", "with --refit: dimensions of the builtin encoder", "256")
    .option("--users <ids>", "comma-separated external user ids (default: everyone)")
    .option("--json", "print the result as JSON on stdout")
    .action(
      async (opts: {
        encoder: string;
        refit?: boolean;
        asOf?: string;
        dims: string;
        users?: string;
        json?: boolean;
      }) => {
        const encoder = opts.encoder === "builtin" || opts.encoder === "openai" ? opts.encoder : Number(opts.encoder);
        if (typeof encoder === "number" && (!Number.isInteger(encoder) || encoder < 1))
          throw new CliError("--encoder must be builtin, openai or a version id");
        if (opts.refit && opts.encoder !== "builtin")
          throw new CliError("--refit fits a builtin version: use it with --encoder builtin");
        if (opts.asOf && !opts.refit) throw new CliError("--as-of goes with --refit");
        const asOf = opts.asOf ? parseInstant(opts.asOf, "--as-of") : undefined;
        const dims = Number(opts.dims);
        if (!Number.isInteger(dims) || dims < 2 || dims > 4096)
          throw new CliError("--dims must be an integer from 2 to 4096");
        const users = userList(opts.users);
        const result = await withDatabase(
          async () => {
            let fit: FitResult | null = null;
            let encoderRef: number | "builtin" | "openai" = encoder;
            if (opts.refit) {
              fit = (await runEncodersAction({ action: "fit", dims, ...(asOf ? { asOf } : {}) }, "cli")) as FitResult;
              encoderRef = fit.encoder.id;
            }
            const encoded = (await runEncodersAction(
              { action: "encode", encoder: encoderRef, ...(users ? { users } : {}) },
              "cli",
            )) as EncodeResult;
            return { fit, encoded };
          },
          { quiet: opts.json },
        );
        if (opts.json) return printJson(result);
        if (result.fit) {
          const f = result.fit.encoder;
          info(
            `${result.fit.created ? "fitted" : "already had"} ${f.version} on ${f.idfDocuments?.toLocaleString("en")} texts sealed before ${f.fittedUntil}`,
          );
        }
        const e = result.encoded;
        info(
          `${e.encoder.version}: ${e.encoded.toLocaleString("en")} texts encoded, ${e.reused.toLocaleString("en")} vectors reused (same text), ` +
            `${e.skipped.toLocaleString("en")} partitions already encoded; ${e.encoder.vectors.toLocaleString("en")} vectors in all (${e.durationMs} ms)`,
        );
      },
    );

  const exp = program.command("export").description("export data for outside models");
  exp
    .command("features")
    .description("each user's fused interest vector from partitions sealed before --as-of (the features API, in bulk)")
    .requiredOption("--as-of <time>", "ISO 8601 or epoch ms; only partitions sealed strictly before it are used")
    .requiredOption("--format <format>", `one of ${FORMATS.join(", ")}`)
    .option(
      "--users <ids>",
      "comma-separated external user ids, in this order (default: every user with partitions, by id)",
    )
    .option("--encoder <ref>", "builtin (newest version fitted before --as-of), openai, or a version id", "builtin")
    .option("--fusion <id>", "fusion config id (default: the default fusion)")
    .option("--out <file>", "write here instead of stdout")
    .action(
      async (opts: {
        asOf: string;
        format: string;
        users?: string;
        encoder: string;
        fusion?: string;
        out?: string;
      }) => {
        if (!(FORMATS as readonly string[]).includes(opts.format))
          throw new CliError(`--format must be one of ${FORMATS.join(", ")}`);
        const format = opts.format as ExportFormat;
        if (!opts.out && (format === "npy" || format === "parquet") && process.stdout.isTTY)
          throw new CliError(`${format} is binary: pass --out FILE or redirect stdout`);
        const asOf = parseInstant(opts.asOf, "--as-of");
        const encoder = opts.encoder === "builtin" || opts.encoder === "openai" ? opts.encoder : Number(opts.encoder);
        const fusion = opts.fusion === undefined ? undefined : Number(opts.fusion);
        const users = userList(opts.users);
        await withDatabase(
          async () => {
            const plan = await planExport({
              asOf,
              encoder,
              ...(fusion !== undefined ? { fusion } : {}),
              ...(users ? { users } : {}),
            });
            const out: NodeJS.WritableStream = opts.out ? fs.createWriteStream(opts.out) : process.stdout;
            let bytes = 0;
            for await (const chunk of exportChunks(plan, format)) {
              bytes += chunk.byteLength;
              if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
            }
            if (opts.out)
              await new Promise<void>((resolve, reject) =>
                (out as fs.WriteStream).end((err?: Error | null) => (err ? reject(err) : resolve())),
              );
            info(
              `exported ${plan.users.length.toLocaleString("en")} users x ${plan.dims} dims as ${format} (${bytes.toLocaleString("en")} bytes` +
                `${opts.out ? ` to ${opts.out}` : ""}); encoder ${plan.ctx.encoder!.version}, fusion ${plan.ctx.fusion.version}`,
            );
          },
          { quiet: true },
        );
      },
    );
}
