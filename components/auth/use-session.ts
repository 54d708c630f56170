"use client";

import { createContext, useContext } from "react";
import { roleAllows, type Role } from "@/lib/auth/roles";
import type { SessionInfo } from "@/lib/auth/session-info";

/** Filled by <SessionProvider> from the root layout; null on the sign-in and setup pages. */
export const SessionContext = createContext<SessionInfo | null>(null);

/**
 * The signed-in caller and `can(role)`, for hiding controls a role cannot use.
 * Hiding is a courtesy: the server checks the role on every request regardless.
 */
export function useSession(): { session: SessionInfo | null; can: (role: Role) => boolean } {
  const session = useContext(SessionContext);
  return { session, can: (role: Role) => session !== null && roleAllows(session.role, role) };
}

/** Ends the session on the server, then reloads into the sign-in page (drops all client state). */
export async function signOut(): Promise<void> {
  await fetch("/api/auth/sign-out", { method: "POST" }).catch(() => undefined);
  // eslint-disable-next-line @next/next/no-location-assign-relative-destination -- a full load drops all client state
  window.location.assign("/signin");
}
