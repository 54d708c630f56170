"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { usePathname, useSearchParams } from "next/navigation";
import { queryKeys } from "@/lib/query-keys";
import { usersApi } from "@/lib/users/api-client";
import { DEFAULT_BEHAVIOR_PAGE_SIZE, parseBehaviorPageSearch } from "@/lib/users/schemas";
import { BehaviorTableHead, BehaviorTableRow } from "@/components/behaviors/behavior-table";
import { Section } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { EmptyState, ErrorState, TableSkeleton } from "@/components/ui/states";
import { Table, TBody } from "@/components/ui/table";

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
            <BehaviorTableHead />
            <TBody>
              {log.data.behaviors.map((b) => (
                <BehaviorTableRow key={b.id} behavior={b} />
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
