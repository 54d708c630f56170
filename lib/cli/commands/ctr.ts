import type { Command } from "commander";
import type { BackendName } from "../../ctr/backend";
import type { Backbone } from "../../ctr/model";
import { parseLabelRule } from "../../ctr/samples";
import { CliError, info, printJson, withDatabase } from "../context";

interface CtrEvalFlags {
  json?: boolean;
  backbone: string;
  seeds: string;
  label: string;
  history: string;
  partitions: string;
  epochs: string;
  batchSize: string;
  lr: string;
  embedDim: string;
  config?: string;
  encoder?: string;
  allowLateEncoder?: boolean;
  backend: string;
  users?: string;
  from?: string;
  to?: string;
  shuffleLiber?: boolean;
  fitEncoder?: boolean;
  control?: string;
  controlSeed: string;
  vectors: string;
  split: string;
  liberDropout: string;
  liberL2: string;
  patience: string;
  activityFeature?: boolean;
  save: boolean;
}

/** `liber ctr-eval`: train a CTR backbone without and with LIBER features on the database's log. */
export function registerCtr(program: Command): void {
  program
    .command("ctr-eval")
    .description("train a CTR model with and without LIBER partition vectors and compare test AUC, LogLoss, gAUC")
    .option("--json", "print the result as JSON on stdout")
    .option("--backbone <name>", "din | deepfm", "din")
    .option("--seeds <n>", "seeds (each trains both variants)", "3")
    .option("--label <rule>", "label rule: kind>=value or kind, comma-separated", "rate>=4")
    .option("--history <n>", "short-term history length L", "20")
    .option("--partitions <n>", "at most P latest partitions per sample", "32")
    .option("--epochs <n>", "maximum epochs (early stop on validation AUC)", "5")
    .option("--batch-size <n>", "batch size", "256")
    .option("--lr <x>", "Adam learning rate", "0.001")
    .option("--embed-dim <n>", "embedding size", "16")
    .option("--config <ref>", "partition config (id, name@version or label)", "active")
    .option("--encoder <id>", "UIF encoder version id (default: newest fitted before the validation cutoff)")
    .option("--allow-late-encoder", "accept an encoder fitted after the validation cutoff (leaks IDF statistics)")
    .option("--backend <name>", "wasm | cpu", "wasm")
    .option("--users <ids>", "only these users (external ids, comma-separated)")
    .option("--from <date>", "only behaviours at or after this time")
    .option("--to <date>", "only behaviours before this time")
    .option(
      "--fit-encoder",
      "fit (or reuse) a builtin encoder version on summaries sealed before the validation cutoff, encode, and use it",
    )
    .option(
      "--control <kind>",
      "shuffled: also train the LIBER architecture on another user's partition vectors (same seeds), reporting control and liberMinusControl; blank: on zero vectors (slots and ages kept)",
    )
    .option("--control-seed <n>", "seed of the control's user pairing", "12345")
    .option("--vectors <kind>", "summary | summary+shift (the shift text's vector appended)", "summary")
    .option("--split <name>", "test | valid: the split the metrics are computed on (valid: to choose settings)", "test")
    .option("--liber-dropout <x>", "dropout on the LIBER branch's output while training", "0")
    .option("--liber-l2 <x>", "L2 penalty on the LIBER branch's weight matrices", "0")
    .option(
      "--activity-feature",
      "both variants' backbone also reads log(1 + events before the sample): a baseline with the user's activity",
    )
    .option("--patience <n>", "epochs without a better validation AUC before stopping", "1")
    .option("--shuffle-liber", "old control: both variants read another random sample's LIBER features")
    .option("--no-save", "do not save the run in ctr_runs")
    .action(async (flags: CtrEvalFlags) => {
      const backbone = flags.backbone as Backbone;
      if (backbone !== "din" && backbone !== "deepfm") throw new CliError("--backbone must be din or deepfm");
      const backend = flags.backend as BackendName;
      if (backend !== "wasm" && backend !== "cpu") throw new CliError("--backend must be wasm or cpu in Node");
      let labelRule;
      try {
        labelRule = parseLabelRule(flags.label);
      } catch (err) {
        throw new CliError((err as Error).message);
      }
      const date = (v: string | undefined, flag: string) => {
        if (v === undefined) return undefined;
        const d = new Date(/^\d+$/.test(v) ? Number(v) : v);
        if (Number.isNaN(d.getTime())) throw new CliError(`${flag}: not a date`);
        return d;
      };
      if (flags.control !== undefined && flags.control !== "shuffled" && flags.control !== "blank")
        throw new CliError("--control must be shuffled or blank");
      if (flags.vectors !== "summary" && flags.vectors !== "summary+shift")
        throw new CliError("--vectors must be summary or summary+shift");
      if (flags.split !== "test" && flags.split !== "valid") throw new CliError("--split must be test or valid");
      if (flags.fitEncoder && flags.encoder) throw new CliError("--fit-encoder and --encoder exclude each other");
      const fraction = (raw: string, flag: string, max: number) => {
        const n = Number(raw);
        if (!Number.isFinite(n) || n < 0 || n >= max) throw new CliError(`${flag} must be a number in [0, ${max})`);
        return n;
      };
      const { ctrEvalOnDatabase } = await import("../../ctr/server/eval-service");
      const result = await withDatabase(
        () =>
          ctrEvalOnDatabase({
            backbone,
            seeds: positiveInt(flags.seeds, "--seeds"),
            backend,
            labelRule,
            shape: {
              historyLength: positiveInt(flags.history, "--history"),
              maxPartitions: positiveInt(flags.partitions, "--partitions"),
            },
            config: flags.config,
            encoderVersionId: flags.encoder ? positiveInt(flags.encoder, "--encoder") : undefined,
            allowLateEncoder: flags.allowLateEncoder,
            users: flags.users
              ?.split(",")
              .map((s) => s.trim())
              .filter(Boolean),
            from: date(flags.from, "--from"),
            to: date(flags.to, "--to"),
            shuffleLiber: flags.shuffleLiber,
            fitEncoder: flags.fitEncoder,
            control: flags.control as "shuffled" | "blank" | undefined,
            controlSeed: positiveInt(flags.controlSeed, "--control-seed"),
            vectors: flags.vectors as "summary" | "summary+shift",
            evaluateOn: flags.split as "test" | "valid",
            save: flags.save && flags.split === "test",
            createdBy: "cli",
            model: {
              embedDim: positiveInt(flags.embedDim, "--embed-dim"),
              liberDropout: fraction(flags.liberDropout, "--liber-dropout", 1),
              activityFeature: !!flags.activityFeature,
            },
            train: {
              liberL2: fraction(flags.liberL2, "--liber-l2", 1),
              patience: positiveInt(flags.patience, "--patience"),
              epochs: positiveInt(flags.epochs, "--epochs"),
              batchSize: positiveInt(flags.batchSize, "--batch-size"),
              learningRate: positiveNumber(flags.lr, "--lr"),
            },
            log: info,
          }),
        { quiet: flags.json },
      );
      if (flags.json) {
        printJson(result);
        return;
      }
      const f = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : "n/a");
      const ci = (c: [number, number] | null) => (c ? `[${f(c[0])}, ${f(c[1])}]` : "(one seed: no interval)");
      info(
        `${result.backbone}, seeds ${result.seeds.join(",")} (${result.backend})${result.runId ? `, saved as run ${result.runId}` : ""}`,
      );
      info(
        `  baseline  AUC ${f(result.baseline.auc)}  LogLoss ${f(result.baseline.logloss)}  gAUC ${f(result.baseline.gauc)}`,
      );
      info(`  +LIBER    AUC ${f(result.liber.auc)}  LogLoss ${f(result.liber.logloss)}  gAUC ${f(result.liber.gauc)}`);
      if (result.control)
        info(
          `  control   AUC ${f(result.control.auc)}  LogLoss ${f(result.control.logloss)}  gAUC ${f(result.control.gauc)}  (LIBER architecture, another user's partitions)`,
        );
      info(`  lift      AUC ${f(result.lift.auc.mean)} ${ci(result.lift.auc.ci95)}  gAUC ${f(result.lift.gauc.mean)}`);
      if (result.liberMinusControl)
        info(`  liber-control AUC ${f(result.liberMinusControl.auc.mean)} ${ci(result.liberMinusControl.auc.ci95)}`);
      for (const s of result.slices)
        info(
          `  slice ${s.name.padEnd(9)} n=${s.samples}  lift ${f(s.lift.mean)} ${ci(s.lift.ci95)}` +
            (s.liberMinusControl
              ? `  liber-control ${f(s.liberMinusControl.mean)} ${ci(s.liberMinusControl.ci95)}`
              : ""),
        );
      info(`  (metrics on the ${result.split} split)`);
    });
}

function positiveInt(raw: unknown, flag: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag} must be a positive integer`);
  return n;
}

function positiveNumber(raw: unknown, flag: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`${flag} must be a positive number`);
  return n;
}
