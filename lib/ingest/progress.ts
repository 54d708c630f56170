import cliProgress from "cli-progress";

/** Progress of an import, measured in bytes read (the only measure known before the end). */
export interface ProgressSink {
  start(totalBytes: number): void;
  update(bytesRead: number, rowsRead: number): void;
  stop(): void;
}

export const noProgress: ProgressSink = { start() {}, update() {}, stop() {} };

const MB = 1024 * 1024;

/** A bar on stderr when it is a terminal; nothing otherwise (logs and pipes stay clean). */
export function terminalProgress(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  if (!stream.isTTY) return noProgress;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} [{bar}] {percentage}% | {mbRead}/{mbTotal} MB | {rows} rows | ETA {eta_formatted}`,
      hideCursor: true,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  let total = 0;
  return {
    start(totalBytes) {
      total = Math.max(totalBytes, 1);
      bar.start(total, 0, { mbRead: "0.0", mbTotal: (totalBytes / MB).toFixed(1), rows: 0 });
    },
    update(bytesRead, rowsRead) {
      bar.update(Math.min(bytesRead, total), { mbRead: (bytesRead / MB).toFixed(1), rows: rowsRead.toLocaleString("en") });
    },
    stop() {
      bar.stop();
    },
  };
}

/** Progress as log lines at 25, 50 and 75% of the bytes, and when done (for the server's start-up log). */
export function logProgress(label: string, log: (line: string) => void): ProgressSink {
  let total = 1;
  let nextQuarter = 1;
  let rows = 0;
  return {
    start(totalBytes) {
      total = Math.max(totalBytes, 1);
      nextQuarter = 1;
    },
    update(bytesRead, rowsRead) {
      rows = rowsRead;
      while (nextQuarter < 4 && bytesRead >= (total * nextQuarter) / 4) {
        log(`${label}: ${nextQuarter * 25}% read`);
        nextQuarter++;
      }
    },
    stop() {
      log(`${label}: 100% read (${rows.toLocaleString("en")} rows)`);
    },
  };
}
