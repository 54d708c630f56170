import cliProgress from "cli-progress";
import { noProgress, type ProgressSink } from "../ingest/progress";

/**
 * The CLI's one progress bar: on stderr when it is a terminal, null otherwise (pipes, logs and
 * --json output stay clean). Each command brings its own format and payload.
 */
export function terminalBar(format: string, stream: NodeJS.WriteStream = process.stderr): cliProgress.SingleBar | null {
  if (!stream.isTTY) return null;
  return new cliProgress.SingleBar({ stream, format, hideCursor: true, fps: 10 }, cliProgress.Presets.shades_classic);
}

const MB = 1024 * 1024;

/** An import's progress (bytes read) as a terminal bar. */
export function terminalProgress(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  const bar = terminalBar(
    `${label} [{bar}] {percentage}% | {mbRead}/{mbTotal} MB | {rows} rows | ETA {eta_formatted}`,
    stream,
  );
  if (!bar) return noProgress;
  let total = 0;
  return {
    start(totalBytes) {
      total = Math.max(totalBytes, 1);
      bar.start(total, 0, { mbRead: "0.0", mbTotal: (totalBytes / MB).toFixed(1), rows: 0 });
    },
    update(bytesRead, rowsRead) {
      bar.update(Math.min(bytesRead, total), {
        mbRead: (bytesRead / MB).toFixed(1),
        rows: rowsRead.toLocaleString("en"),
      });
    },
    stop() {
      bar.stop();
    },
  };
}
