/** Progress of an import, measured in bytes read (the only measure known before the end). */
export interface ProgressSink {
  start(totalBytes: number): void;
  update(bytesRead: number, rowsRead: number): void;
  stop(): void;
}

export const noProgress: ProgressSink = { start() {}, update() {}, stop() {} };

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
