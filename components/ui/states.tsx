"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";
import { ApiRequestError } from "@/lib/api/fetch-json";
import { signInUrl } from "@/lib/auth/next-path";

// Loading, empty and error states shared by the screens. Errors show the API's own message.

export function Skeleton({ className = "" }: { className?: string }) {
  return <div aria-hidden="true" className={`animate-pulse rounded bg-slate-200/80 ${className}`} />;
}

/** Placeholder rows with the table's shape while the first page loads. */
export function TableSkeleton({ rows = 8, columns = 5, label }: { rows?: number; columns?: number; label: string }) {
  return (
    <div role="status" aria-live="polite" className="rounded-lg border border-slate-200 bg-white shadow-sm">
      <span className="sr-only">{label}</span>
      <div className="border-b border-slate-200 bg-slate-50 px-3 py-2.5">
        <Skeleton className="h-3 w-1/3" />
      </div>
      <div className="divide-y divide-slate-100">
        {Array.from({ length: rows }, (_, r) => (
          <div key={r} className="flex gap-4 px-3 py-2.5">
            {Array.from({ length: columns }, (_, c) => (
              <Skeleton key={c} className={`h-3.5 ${c === 0 ? "w-40" : "flex-1"}`} />
            ))}
          </div>
        ))}
      </div>
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-10 text-center">
      <p className="font-medium text-slate-900">{title}</p>
      {children && <div className="mt-1 text-sm text-slate-600">{children}</div>}
    </div>
  );
}

/** What went wrong, in the API's words, with a retry button (and sign-in link on 401). */
export function ErrorState({
  error,
  title = "Could not load this",
  onRetry,
}: {
  error: unknown;
  title?: string;
  onRetry?: () => void;
}) {
  const pathname = usePathname();
  const message = error instanceof Error ? error.message : String(error);
  const status = error instanceof ApiRequestError ? error.status : undefined;
  return (
    <div role="alert" className="rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-900">
      <p className="font-medium">{title}</p>
      <p className="mt-0.5 text-red-800">
        {message}
        {status ? <span className="text-red-600"> (HTTP {status})</span> : null}
      </p>
      <div className="mt-2 flex gap-3">
        {status === 401 && (
          <Link href={signInUrl(pathname)} className="font-medium underline underline-offset-2">
            Sign in
          </Link>
        )}
        {onRetry && status !== 401 && (
          <button
            type="button"
            onClick={onRetry}
            className="font-medium underline underline-offset-2 hover:text-red-700"
          >
            Try again
          </button>
        )}
      </div>
    </div>
  );
}

/** Inline code for commands shown in empty states. */
export function Code({ children }: { children: ReactNode }) {
  return (
    <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-[0.8125rem] text-slate-800">{children}</code>
  );
}
