"use client";

import { useEffect, useState, type ReactNode } from "react";
import { signInUrl } from "@/lib/auth/next-path";
import type { SessionInfo } from "@/lib/auth/session-info";
import { SessionContext } from "./use-session";

/**
 * Provides the caller the server rendered the page for. On load it asks GET /api/auth/me once:
 * that renews the cookie's lifetime, picks up a role changed meanwhile, and sends a browser
 * whose session has ended back to sign-in.
 */
export function SessionProvider({ initial, children }: { initial: SessionInfo | null; children: ReactNode }) {
  const [session, setSession] = useState(initial);
  useEffect(() => {
    if (!initial) return;
    let cancelled = false;
    void fetch("/api/auth/me", { headers: { accept: "application/json" } })
      .then(async (res) => {
        if (cancelled) return;
        if (res.status === 401) {
          window.location.assign(signInUrl(`${window.location.pathname}${window.location.search}`));
          return;
        }
        if (res.ok) setSession(((await res.json()) as { session: SessionInfo }).session);
      })
      .catch(() => undefined); // offline: keep what the server rendered
    return () => {
      cancelled = true;
    };
  }, [initial]);
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
