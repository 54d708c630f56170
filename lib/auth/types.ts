import type { Role } from "./roles";

/** Who is calling: resolved by ./caller.ts from a session cookie or an API token. */
export interface Caller {
  kind: "session" | "token" | "local";
  accountId: number | null;
  name: string;
  role: Role;
  /** Set for kind "session": the row behind the cookie (sign-out, "other sessions"). */
  sessionId?: number;
  /** Set for kind "token". */
  tokenId?: number;
}
