import type { Metadata } from "next";
import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { AccountMenu } from "@/components/auth/account-menu";
import { SessionProvider } from "@/components/auth/session-provider";
import { Nav } from "@/components/layout/nav";
import { QueryProvider } from "@/components/providers/query-provider";
import { isSignInFlowPath, signInUrl } from "@/lib/auth/next-path";
import { pageCaller, requestedPath } from "@/lib/auth/page";
import { toSessionInfo } from "@/lib/auth/session-info";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "LIBER Studio", template: "%s · LIBER Studio" },
  description: "Lifelong user interests from LLM summaries: partitions, cascades and fused vectors.",
};

/**
 * Every page needs a signed-in caller except the sign-in flow (/signin, /setup), which renders
 * without the app shell. proxy.ts already sent cookie-less requests to /signin; this is the
 * real check (the cookie must name a live session).
 */
export default async function RootLayout({ children }: { children: ReactNode }) {
  const caller = await pageCaller();
  if (!caller) {
    const path = await requestedPath();
    if (!isSignInFlowPath(new URL(path, "http://x").pathname)) redirect(signInUrl(path));
  }
  return (
    <html lang="en">
      <body className="min-h-screen antialiased">
        <QueryProvider>
          <SessionProvider initial={caller ? toSessionInfo(caller) : null}>
            {caller ? (
              <div className="flex min-h-screen">
                <aside className="flex w-52 shrink-0 flex-col justify-between border-r border-slate-200 bg-white p-4">
                  <div>
                    <div className="mb-6 px-3 text-lg font-semibold tracking-tight">LIBER Studio</div>
                    <Nav />
                  </div>
                  <AccountMenu />
                </aside>
                <main className="min-w-0 flex-1 p-6">{children}</main>
              </div>
            ) : (
              children
            )}
          </SessionProvider>
        </QueryProvider>
      </body>
    </html>
  );
}
