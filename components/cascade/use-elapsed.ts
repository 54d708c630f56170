"use client";

import { useEffect, useState } from "react";

/** Milliseconds since `running` turned true, ticking twice a second; null while not running. */
export function useElapsed(running: boolean): number | null {
  const [startedAt, setStartedAt] = useState<number | null>(null);
  const [now, setNow] = useState(0);
  useEffect(() => {
    if (!running) {
      setStartedAt(null);
      return;
    }
    const start = Date.now();
    setStartedAt(start);
    setNow(start);
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [running]);
  return running && startedAt !== null ? Math.max(0, now - startedAt) : null;
}
