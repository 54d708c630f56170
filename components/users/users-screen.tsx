"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { queryKeys } from "@/lib/query-keys";
import { userPageHref, usersApi } from "@/lib/users/api-client";
import { usersHref } from "@/lib/users/url";
import { defaultDirFor, parseUserListSearch, type UserListQuery, type UserSort } from "@/lib/users/schemas";
import type { UserListRow } from "@/lib/users/contract";
import { formatDate, formatNumber } from "@/components/ui/format";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { Sparkline } from "@/components/ui/sparkline";
import { Code, EmptyState, ErrorState, TableSkeleton } from "@/components/ui/states";
import { SortableTh, Table, TBody, Td, Th, THead } from "@/components/ui/table";

const SEARCH_DEBOUNCE_MS = 250;
const PAGE_SIZES = [25, 50, 100, 200];

export function UsersScreen() {
  const router = useRouter();
  const pathname = usePathname();
  const params = parseUserListSearch(useSearchParams());
  // Typing a search replaces the history entry; choosing a sort or page size adds one.
  const go = (next: Partial<UserListQuery>, how: "push" | "replace" = "push") =>
    router[how](usersHref(pathname, { ...params, ...next }), { scroll: false });

  const query = useQuery({
    queryKey: queryKeys.users.list(params),
    queryFn: () => usersApi.list(params),
    placeholderData: keepPreviousData,
  });

  const sortBy = (sort: UserSort) =>
    go({ sort, dir: params.sort === sort ? (params.dir === "asc" ? "desc" : "asc") : defaultDirFor(sort), page: 1 });
  const sortProps = (sort: UserSort) => ({
    active: params.sort === sort,
    direction: params.dir,
    onSort: () => sortBy(sort),
  });

  return (
    <>
      <PageHeader
        title="Users"
        description={
          query.data?.total
            ? `${formatNumber(query.data.total)} ${params.q ? "matching users" : "users"} with their lifelong behaviour logs.`
            : "Everyone in the behaviour log, with their activity over time."
        }
      />
      <div className="mb-3 flex flex-wrap items-end justify-between gap-3">
        <SearchBox value={params.q} onSearch={(q) => go({ q, page: 1 }, "replace")} />
        <label className="flex items-center gap-2 text-sm text-slate-600">
          Rows per page
          <select
            value={params.pageSize}
            onChange={(e) => go({ pageSize: Number(e.target.value), page: 1 })}
            className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm text-slate-800"
          >
            {[...new Set([...PAGE_SIZES, params.pageSize])]
              .sort((a, b) => a - b)
              .map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
          </select>
        </label>
      </div>

      {query.isPending ? (
        <TableSkeleton label="Loading users…" columns={5} rows={Math.min(params.pageSize, 12)} />
      ) : query.isError ? (
        <ErrorState title="Could not load users" error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.total === 0 && !params.q ? (
        <EmptyState title="No users yet">
          Import data with <Code>liber import movielens DIR</Code>, then reload this page.
        </EmptyState>
      ) : query.data.total === 0 ? (
        <EmptyState title={`No users match “${params.q}”`}>
          The search looks for this text anywhere in the external id.{" "}
          <Link
            href={usersHref(pathname, { ...params, q: "", page: 1 })}
            className="font-medium text-sky-700 underline"
          >
            Clear the search
          </Link>
        </EmptyState>
      ) : query.data.users.length === 0 ? (
        <EmptyState title={`Page ${formatNumber(params.page)} is past the end`}>
          There {query.data.total === 1 ? "is 1 user" : `are ${formatNumber(query.data.total)} users`}.{" "}
          <Link href={usersHref(pathname, { ...params, page: 1 })} className="font-medium text-sky-700 underline">
            Go to the first page
          </Link>
        </EmptyState>
      ) : (
        <div
          className={query.isPlaceholderData ? "opacity-60 transition-opacity" : "transition-opacity"}
          aria-busy={query.isFetching}
        >
          <Table label="Users">
            <THead>
              <tr>
                <SortableTh label="External id" {...sortProps("externalId")} />
                <SortableTh label="Events" align="right" className="text-right" {...sortProps("events")} />
                <SortableTh label="First activity" {...sortProps("first")} />
                <SortableTh label="Last activity" {...sortProps("last")} />
                <Th>Monthly activity</Th>
              </tr>
            </THead>
            <TBody>
              {query.data.users.map((u) => (
                <UserRow key={u.id} user={u} />
              ))}
            </TBody>
          </Table>
          <Pagination
            label="Users pages"
            noun="users"
            page={params.page}
            pageSize={params.pageSize}
            total={query.data.total}
            hrefFor={(page) => usersHref(pathname, { ...params, page })}
          />
        </div>
      )}
    </>
  );
}

function UserRow({ user }: { user: UserListRow }) {
  const months = user.sparkline.length;
  return (
    <tr className="hover:bg-slate-50">
      <Td className="font-medium">
        <Link href={userPageHref(user.externalId)} className="text-sky-700 hover:text-sky-900 hover:underline">
          {user.externalId}
        </Link>
      </Td>
      <Td className="text-right tabular-nums">{formatNumber(user.eventCount)}</Td>
      <Td className="tabular-nums text-slate-600">{formatDate(user.firstEventAt)}</Td>
      <Td className="tabular-nums text-slate-600">{formatDate(user.lastEventAt)}</Td>
      <Td>
        <Sparkline
          values={user.sparkline}
          label={
            months
              ? `Events per month over ${months} month${months === 1 ? "" : "s"} from ${formatDate(user.sparklineStart).slice(0, 7)}, peak ${formatNumber(Math.max(...user.sparkline))}`
              : "No activity"
          }
        />
      </Td>
    </tr>
  );
}

/** Search as you type, debounced; the URL holds the committed value. */
function SearchBox({ value, onSearch }: { value: string; onSearch: (q: string) => void }) {
  const [text, setText] = useState(value);
  const pushed = useRef(value);
  const onSearchRef = useRef(onSearch);
  useEffect(() => {
    onSearchRef.current = onSearch;
  });
  // Follow the URL when it changes from elsewhere (back button, a link), not from our own typing.
  useEffect(() => {
    if (value !== pushed.current) {
      pushed.current = value;
      setText(value);
    }
  }, [value]);
  useEffect(() => {
    const q = text.trim();
    if (q === pushed.current) return;
    const timer = setTimeout(() => {
      pushed.current = q;
      onSearchRef.current(q);
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text]);

  return (
    <div className="w-full max-w-sm">
      <label htmlFor="user-search" className="mb-1 block text-xs font-medium text-slate-600">
        Search users
      </label>
      <input
        id="user-search"
        type="search"
        value={text}
        maxLength={200}
        onChange={(e) => setText(e.target.value)}
        placeholder="External id contains…"
        autoComplete="off"
        spellCheck={false}
        className="w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-900 shadow-sm placeholder:text-slate-400 focus:border-sky-500 focus:ring-2 focus:ring-sky-200 focus:outline-none"
      />
    </div>
  );
}
