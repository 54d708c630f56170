"use client";

import { useEffect, useState } from "react";

/** Milliseconds since `running` turned true, ticking twice a second; null while not running. */
export function useElapsed(running: boolean): number | null {
  const [elapsed, setElapsed] = useState(0);
  // A new run starts from 0 (reset while rendering, not in an effect).
  const [wasRunning, setWasRunning] = useState(running);
  if (running !== wasRunning) {
    setWasRunning(running);
    if (running) setElapsed(0);
  }
  useEffect(() => {
    if (!running) return;
    const start = Date.now();
    const timer = setInterval(() => setElapsed(Date.now() - start), 500);
    return () => clearInterval(timer);
  }, [running]);
  return running ? elapsed : null;
}
