"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { usePathname, useSearchParams } from "next/navigation";
import { queryKeys } from "@/lib/query-keys";
import { usersApi } from "@/lib/users/api-client";
import { DEFAULT_BEHAVIOR_PAGE_SIZE, parseBehaviorPageSearch } from "@/lib/users/schemas";
import type { BehaviorRow } from "@/lib/users/types";
import { Badge } from "@/components/ui/badge";
import { formatDateTime, formatValue } from "@/components/ui/format";
import { Section } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { EmptyState, ErrorState, TableSkeleton } from "@/components/ui/states";
import { Table, TBody, Td, Th, THead } from "@/components/ui/table";

/** The user's raw log, newest first; the page number lives in the URL (?page=). */
export function BehaviorLogSection({ externalId }: { externalId: string }) {
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const { page, pageSize } = parseBehaviorPageSearch(searchParams);
  const log = useQuery({
    queryKey: queryKeys.users.behaviors(externalId, { page, pageSize }),
    queryFn: () => usersApi.behaviors(externalId, { page, pageSize }),
    placeholderData: keepPreviousData,
  });
  const hrefFor = (p: number) => {
    const next = new URLSearchParams(searchParams);
    if (p === 1) next.delete("page");
    else next.set("page", String(p));
    if (pageSize === DEFAULT_BEHAVIOR_PAGE_SIZE) next.delete("pageSize");
    const s = next.toString();
    return s ? `${pathname}?${s}` : pathname;
  };

  return (
    <Section id="behaviour-log" title="Behaviour log" description="Every logged behaviour, newest first.">
      {log.isPending ? (
        <TableSkeleton label="Loading behaviour log…" columns={4} rows={10} />
      ) : log.isError ? (
        <ErrorState title="Could not load the behaviour log" error={log.error} onRetry={() => void log.refetch()} />
      ) : log.data.total === 0 ? (
        <EmptyState title="No behaviours logged">Nothing has been imported for this user yet.</EmptyState>
      ) : (
        <div className={log.isPlaceholderData ? "opacity-60" : ""} aria-busy={log.isFetching}>
          <Table label="Behaviour log">
            <THead>
              <tr>
                <Th className="w-40">Time (UTC)</Th>
                <Th className="w-24">Kind</Th>
                <Th className="w-20 text-right">Value</Th>
                <Th>Item</Th>
              </tr>
            </THead>
            <TBody>
              {log.data.behaviors.map((b) => (
                <BehaviorLogRow key={b.id} behavior={b} />
              ))}
            </TBody>
          </Table>
          <Pagination
            label="Behaviour log pages"
            noun="behaviours"
            page={page}
            pageSize={pageSize}
            total={log.data.total}
            hrefFor={hrefFor}
            scroll={false}
          />
        </div>
      )}
    </Section>
  );
}

function BehaviorLogRow({ behavior: b }: { behavior: BehaviorRow }) {
  return (
    <tr className="hover:bg-slate-50">
      <Td className="whitespace-nowrap tabular-nums text-slate-600">
        <time dateTime={b.ts}>{formatDateTime(b.ts)}</time>
      </Td>
      <Td>
        <Badge>{b.kind}</Badge>
      </Td>
      <Td className="text-right tabular-nums">{formatValue(b.value)}</Td>
      <Td>
        {/* Titles come from imported files: rendered as text, never as HTML. */}
        <span className="text-slate-900" title={`Item ${b.item.externalId}`}>
          {b.item.title}
        </span>
        {b.item.categories.length > 0 && (
          <span className="ml-2 inline-flex flex-wrap gap-1 align-middle">
            {b.item.categories.map((c) => (
              <span key={c} className="rounded bg-slate-100 px-1.5 py-px text-[11px] text-slate-600">
                {c}
              </span>
            ))}
          </span>
        )}
      </Td>
    </tr>
  );
}
