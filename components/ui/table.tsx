import type { ReactNode, ThHTMLAttributes, TdHTMLAttributes } from "react";

// Compact data-table pieces. Real <table> markup so screen readers and Playwright see rows,
// column headers and aria-sort.

export function Table({ label, children, className = "" }: { label: string; children: ReactNode; className?: string }) {
  return (
    <div className={`overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm ${className}`}>
      <table aria-label={label} className="w-full border-collapse text-left text-sm">
        {children}
      </table>
    </div>
  );
}

export function THead({ children }: { children: ReactNode }) {
  return (
    <thead className="border-b border-slate-200 bg-slate-50 text-xs font-medium uppercase tracking-wide text-slate-500">
      {children}
    </thead>
  );
}

export function TBody({ children }: { children: ReactNode }) {
  return <tbody className="divide-y divide-slate-100">{children}</tbody>;
}

export function Th({ children, className = "", ...rest }: ThHTMLAttributes<HTMLTableCellElement>) {
  return (
    <th scope="col" className={`px-3 py-2 font-medium whitespace-nowrap ${className}`} {...rest}>
      {children}
    </th>
  );
}

export function Td({ children, className = "", ...rest }: TdHTMLAttributes<HTMLTableCellElement>) {
  return (
    <td className={`px-3 py-1.5 align-middle text-slate-700 ${className}`} {...rest}>
      {children}
    </td>
  );
}

export type SortDirection = "asc" | "desc";

/**
 * A column header that sorts: the header cell carries aria-sort, the control inside it is a
 * real button (or link) whose name says what clicking does.
 */
export function SortableTh({
  label,
  active,
  direction,
  onSort,
  align = "left",
  className = "",
}: {
  label: string;
  active: boolean;
  direction: SortDirection;
  onSort: () => void;
  align?: "left" | "right";
  className?: string;
}) {
  const ariaSort = active ? (direction === "asc" ? "ascending" : "descending") : "none";
  const arrow = active ? (direction === "asc" ? "↑" : "↓") : "↕";
  return (
    <th scope="col" aria-sort={ariaSort} className={`px-3 py-2 font-medium whitespace-nowrap ${className}`}>
      <button
        type="button"
        onClick={onSort}
        className={`inline-flex items-center gap-1 rounded uppercase tracking-wide hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-600 ${
          align === "right" ? "flex-row-reverse" : ""
        } ${active ? "text-slate-900" : ""}`}
      >
        {label}
        <span aria-hidden="true" className={active ? "text-slate-700" : "text-slate-300"}>
          {arrow}
        </span>
      </button>
    </th>
  );
}
