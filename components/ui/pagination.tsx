import Link from "next/link";
import { formatNumber } from "./format";

/** "Showing 26–50 of 610" with previous/next links; page links keep the rest of the URL. */
export function Pagination({
  page,
  pageSize,
  total,
  hrefFor,
  label = "Pagination",
  noun = "rows",
  scroll = true,
}: {
  page: number;
  pageSize: number;
  total: number;
  hrefFor: (page: number) => string;
  label?: string;
  noun?: string;
  /** Scroll to the top of the page on navigation (false for a table lower down a page). */
  scroll?: boolean;
}) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const from = total === 0 ? 0 : Math.min(total, (page - 1) * pageSize + 1);
  const to = Math.min(total, page * pageSize);
  return (
    <nav aria-label={label} className="flex items-center justify-between gap-4 py-3 text-sm text-slate-600">
      <p>
        {from > to ? (
          <>
            Page {formatNumber(page)} is past the end ({formatNumber(total)} {noun}).
          </>
        ) : (
          <>
            Showing <span className="font-medium text-slate-900">{formatNumber(from)}</span>–
            <span className="font-medium text-slate-900">{formatNumber(to)}</span> of{" "}
            <span className="font-medium text-slate-900">{formatNumber(total)}</span> {noun}
          </>
        )}
      </p>
      <div className="flex items-center gap-2">
        <span className="tabular-nums text-slate-500">
          Page {formatNumber(Math.min(page, pages))} of {formatNumber(pages)}
        </span>
        <PageLink href={page > 1 ? hrefFor(Math.min(page - 1, pages)) : null} rel="prev" scroll={scroll}>
          ← Previous
        </PageLink>
        <PageLink href={page < pages ? hrefFor(page + 1) : null} rel="next" scroll={scroll}>
          Next →
        </PageLink>
      </div>
    </nav>
  );
}

function PageLink({
  href,
  rel,
  scroll,
  children,
}: {
  href: string | null;
  rel: string;
  scroll: boolean;
  children: string;
}) {
  const base = "rounded-md border px-2.5 py-1 text-sm";
  if (!href) {
    return (
      <span aria-disabled="true" className={`${base} cursor-not-allowed border-slate-200 text-slate-300`}>
        {children}
      </span>
    );
  }
  return (
    <Link
      href={href}
      rel={rel}
      scroll={scroll}
      className={`${base} border-slate-300 bg-white text-slate-700 hover:bg-slate-50`}
    >
      {children}
    </Link>
  );
}
