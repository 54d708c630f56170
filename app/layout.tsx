import type { Metadata } from "next";
import type { ReactNode } from "react";
import { Nav } from "@/components/layout/nav";
import { QueryProvider } from "@/components/providers/query-provider";
import "./globals.css";

export const metadata: Metadata = {
  title: "LIBER Studio",
  description: "Lifelong user interests from LLM summaries: partitions, cascades and fused vectors.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen antialiased">
        <QueryProvider>
          <div className="flex min-h-screen">
            <aside className="w-52 shrink-0 border-r border-slate-200 bg-white p-4">
              <div className="mb-6 px-3 text-lg font-semibold tracking-tight">LIBER Studio</div>
              <Nav />
            </aside>
            <main className="min-w-0 flex-1 p-6">{children}</main>
          </div>
        </QueryProvider>
      </body>
    </html>
  );
}
