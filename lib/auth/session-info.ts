import type { Role } from "./roles";

/** What the browser learns about the current caller (GET /api/auth/me): no ids, no secrets. */
export interface SessionInfo {
  name: string;
  role: Role;
  kind: "session" | "token" | "local";
}

export function toSessionInfo(caller: { name: string; role: Role; kind: SessionInfo["kind"] }): SessionInfo {
  return { name: caller.name, role: caller.role, kind: caller.kind };
}
