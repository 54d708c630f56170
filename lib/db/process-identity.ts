import fs from "node:fs";
import os from "node:os";

/**
 * Which process instance on which machine owns something (a run, the embedded server). A pid
 * alone is not enough: pids are reused, so the process's start time (Linux: field 22 of
 * /proc/<pid>/stat, in clock ticks since boot) tells this instance from a later one.
 */
export interface ProcessIdentity {
  pid: number;
  host: string;
  /** "" where the platform does not say (then a live pid is taken for the same instance). */
  startId: string;
}

export function processStartId(pid: number): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? "";
  } catch {
    return "";
  }
}

let current: ProcessIdentity | undefined;

export function currentProcess(): ProcessIdentity {
  current ??= { pid: process.pid, host: os.hostname(), startId: processStartId(process.pid) };
  return current;
}

export function isPidAlive(pid: number): boolean {
  if (!(pid > 0)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether the process instance still runs. Only answerable on its own host: elsewhere, assume it does. */
export function isProcessAlive(owner: ProcessIdentity): boolean {
  if (owner.host !== os.hostname()) return true;
  if (!isPidAlive(owner.pid)) return false;
  if (!owner.startId) return true;
  const now = processStartId(owner.pid);
  return now === "" || now === owner.startId;
}
