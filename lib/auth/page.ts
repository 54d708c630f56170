import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import type { Caller } from "./types";
import { SESSION_COOKIE } from "./cookie";
import { PATH_HEADER, signInUrl } from "./next-path";
import { sessionCaller } from "./sessions";

/**
 * The signed-in caller of a page request (server components), or null. Cached per request,
 * so the root layout and the page share one database lookup.
 */
export const pageCaller = cache(async (): Promise<Caller | null> => {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  return token ? sessionCaller(token) : null;
});

/** The path (with query) that was requested, as forwarded by proxy.ts. */
export async function requestedPath(): Promise<string> {
  return (await headers()).get(PATH_HEADER) ?? "/";
}

/**
 * For server components that read data themselves: the caller, or a redirect to sign-in.
 * (Route handlers are guarded by lib/auth/route.ts instead.)
 */
export async function requirePageCaller(): Promise<Caller> {
  const caller = await pageCaller();
  if (!caller) redirect(signInUrl(await requestedPath()));
  return caller;
}
