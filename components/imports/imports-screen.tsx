"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { usePathname, useSearchParams } from "next/navigation";
import { Fragment, useState } from "react";
import { z } from "zod";
import { fetchJson, queryString } from "@/lib/api/fetch-json";
import { queryKeys } from "@/lib/query-keys";
import { Badge } from "@/components/ui/badge";
import { formatDateTime, formatDuration, formatNumber } from "@/components/ui/format";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { Code, EmptyState, ErrorState, TableSkeleton } from "@/components/ui/states";
import { Table, TBody, Td, Th, THead } from "@/components/ui/table";
import type { ImportRun, ImportRunPage, ImportRunStatus, RowError } from "@/lib/ingest/contract";

/** A run as shown: its errors checked to be a list of rows. */
type ImportRunDto = Omit<ImportRun, "errors"> & { errors: RowError[] };
type ShownPage = Omit<ImportRunPage, "runs"> & { runs: ImportRunDto[] };

const PAGE_SIZE = 20;
// While an import runs, poll so its counters and status move without a reload.
const RUNNING_POLL_MS = 2000;
const pageParam = z.coerce.number().int().min(1).catch(1);

const STATUS_TONE: Record<ImportRunStatus, "sky" | "green" | "red" | "amber"> = {
  running: "sky",
  succeeded: "green",
  failed: "red",
  interrupted: "amber",
};
const NUMBER_COLUMNS = [
  ["rowsRead", "Rows read"],
  ["inserted", "Inserted"],
  ["duplicates", "Duplicates"],
  ["rejected", "Rejected"],
] as const;
const COLUMN_COUNT = 6 + NUMBER_COLUMNS.length;

/** errors is a JSON column: anything but a list of rows (an old or hand-edited run) shows as none. */
function withErrorList(page: ImportRunPage): ShownPage {
  return {
    ...page,
    runs: page.runs.map((r) => ({ ...r, errors: Array.isArray(r.errors) ? (r.errors as RowError[]) : [] })),
  };
}

export function ImportsScreen() {
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const page = pageParam.parse(searchParams.get("page") ?? undefined);
  const params = { page, pageSize: PAGE_SIZE };
  const runs = useQuery({
    queryKey: queryKeys.imports.list(params),
    queryFn: () => fetchJson<ImportRunPage>(`/api/imports${queryString(params)}`).then(withErrorList),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.runs.some((r) => r.status === "running") ? RUNNING_POLL_MS : false),
  });

  return (
    <>
      <PageHeader
        title="Imports"
        description="Past runs of the importers: what each read, inserted, skipped and rejected, and why."
      />
      {runs.isPending ? (
        <TableSkeleton label="Loading import runs…" columns={8} rows={6} />
      ) : runs.isError ? (
        <ErrorState title="Could not load import runs" error={runs.error} onRetry={() => void runs.refetch()} />
      ) : runs.data.total === 0 ? (
        <EmptyState title="No imports yet">
          Import data with <Code>liber import movielens DIR</Code>; each run is listed here with its counts and errors.
        </EmptyState>
      ) : (
        <div className={runs.isPlaceholderData ? "opacity-60" : ""}>
          <Table label="Import runs">
            <THead>
              <tr>
                <Th>Started (UTC)</Th>
                <Th>Source and file</Th>
                <Th>Status</Th>
                {NUMBER_COLUMNS.map(([key, label]) => (
                  <Th key={key} className="text-right">
                    {label}
                  </Th>
                ))}
                <Th className="text-right">New users / items</Th>
                <Th className="text-right">Duration</Th>
                <Th>Errors</Th>
              </tr>
            </THead>
            <TBody>
              {runs.data.runs.map((run) => (
                <ImportRunRows key={run.id} run={run} />
              ))}
            </TBody>
          </Table>
          <Pagination
            label="Import runs pages"
            noun="runs"
            page={page}
            pageSize={PAGE_SIZE}
            total={runs.data.total}
            hrefFor={(p) => (p === 1 ? pathname : `${pathname}?page=${p}`)}
          />
        </div>
      )}
    </>
  );
}

function ImportRunRows({ run }: { run: ImportRunDto }) {
  const [open, setOpen] = useState(false);
  const detailsId = `import-run-${run.id}-errors`;
  const problemCount = run.errors.length + (run.errorMessage ? 1 : 0);
  return (
    <Fragment>
      <tr className="hover:bg-slate-50">
        <Td className="whitespace-nowrap tabular-nums text-slate-600">
          <time dateTime={run.startedAt}>{formatDateTime(run.startedAt)}</time>
        </Td>
        <Td className="max-w-72">
          <div className="font-medium text-slate-900">{run.source}</div>
          <div className="truncate font-mono text-xs text-slate-500" title={run.file}>
            {run.file}
          </div>
        </Td>
        <Td>
          <Badge tone={STATUS_TONE[run.status]}>
            {run.status === "running" && (
              <span aria-hidden="true" className="mr-1 size-1.5 animate-pulse rounded-full bg-sky-500" />
            )}
            {run.status}
          </Badge>
        </Td>
        {NUMBER_COLUMNS.map(([key]) => (
          <Td
            key={key}
            className={`text-right tabular-nums ${key === "rejected" && run.rejected > 0 ? "font-medium text-red-700" : ""}`}
          >
            {formatNumber(run[key])}
          </Td>
        ))}
        <Td className="whitespace-nowrap text-right tabular-nums">
          {formatNumber(run.usersCreated)} / {formatNumber(run.itemsCreated)}
        </Td>
        <Td className="whitespace-nowrap text-right tabular-nums">
          {run.status === "running" && run.durationMs === null ? "running…" : formatDuration(run.durationMs)}
        </Td>
        <Td>
          {problemCount === 0 ? (
            <span className="text-slate-400">none</span>
          ) : (
            <button
              type="button"
              aria-expanded={open}
              aria-controls={detailsId}
              onClick={() => setOpen((o) => !o)}
              className="inline-flex items-center gap-1 whitespace-nowrap rounded text-sm font-medium text-red-700 hover:text-red-900"
            >
              <span aria-hidden="true" className={`inline-block transition-transform ${open ? "rotate-90" : ""}`}>
                ▸
              </span>
              {run.errorMessage && run.errors.length === 0
                ? "Show error"
                : `${formatNumber(run.errors.length)} error${run.errors.length === 1 ? "" : "s"}`}
            </button>
          )}
        </Td>
      </tr>
      {open && (
        <tr id={detailsId} className="bg-red-50/40">
          <td colSpan={COLUMN_COUNT} className="px-3 py-2">
            <ImportRunErrors run={run} />
          </td>
        </tr>
      )}
    </Fragment>
  );
}

function ImportRunErrors({ run }: { run: ImportRunDto }) {
  const more = run.rejected - run.errors.length;
  return (
    <div className="space-y-2 text-sm">
      {run.errorMessage && (
        <p className="text-red-800">
          <span className="font-medium">Run failed:</span> {run.errorMessage}
        </p>
      )}
      {run.errors.length > 0 && (
        <ol
          aria-label={`Rejected rows of import run ${run.id}`}
          className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-0.5 font-mono text-xs"
        >
          {run.errors.map((e, i) => (
            <li key={i} className="contents">
              <span className="text-slate-500">
                {e.file}:{e.line}
              </span>
              <span className="text-slate-800">{e.reason}</span>
            </li>
          ))}
        </ol>
      )}
      {more > 0 && (
        <p className="text-xs text-slate-500">
          …and {formatNumber(more)} more rejected row{more === 1 ? "" : "s"} not listed (only the first{" "}
          {formatNumber(run.errors.length)} are kept).
        </p>
      )}
    </div>
  );
}
