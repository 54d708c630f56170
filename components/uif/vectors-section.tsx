"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useMemo, useState } from "react";
import { fetchJson, retryUnlessClientError } from "@/lib/api/fetch-json";
import { queryKeys } from "@/lib/query-keys";
import {
  uifApi,
  type EmptyReason,
  type EncodersAction,
  type EncodersPostResponse,
  type FitResult,
  type VersionSelection,
} from "@/lib/uif/api-client";
import { useSession } from "@/components/auth/use-session";
import { Section } from "@/components/ui/page-header";
import { EmptyState, ErrorState, Skeleton } from "@/components/ui/states";
import { asOfIso, asOfText } from "./as-of";
import { AsOfField, ExportForm, VersionPickers, VersionsLine } from "./controls";
import { AttentionChart, DriftChart } from "./vectors-charts";
import { chartRows } from "./vectors-model";
import { VectorHeatmap } from "./vector-heatmap";
import { partitionWindow, WINDOW_SIZES, windowLabel } from "./windowing";

const TOP_CHOICES = [8, 16, 32] as const;

const EMPTY_TITLES: Record<EmptyReason, string> = {
  no_sealed_partitions: "No sealed partitions yet",
  no_summaries: "No summaries to encode yet",
  no_encoder: "No encoder fitted yet",
  no_vectors: "No vectors under this encoder yet",
};

/** POST /api/uif/encoders (editor): fit a builtin IDF version, or encode what has no vector. */
const postEncoders = (body: EncodersAction) =>
  fetchJson<EncodersPostResponse>("/api/uif/encoders", {
    method: "POST",
    headers: { accept: "application/json", "content-type": "application/json" },
    body: JSON.stringify(body),
  });

/**
 * A user's partition vectors (UIF): the heatmap over time, the drift between consecutive
 * partitions, the attention weights of the fused vector, the versions that made them, and
 * the user's features as a download. Partitions come windowed from the API.
 */
export function VectorsSection({
  externalId,
  selectedSeq = null,
  onSelectSeq,
}: {
  externalId: string;
  /** The partition picked on the page (timeline / cascade), outlined here too. */
  selectedSeq?: number | null;
  onSelectSeq?: (seq: number) => void;
}) {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const [asOf, setAsOf] = useState("");
  const [versions, setVersions] = useState<VersionSelection>({});
  const [top, setTop] = useState<number>(16);
  const [limit, setLimit] = useState<number>(100);
  // undefined: the newest window (the API's default), which is what an analyst looks at first.
  const [offset, setOffset] = useState<number | undefined>(undefined);

  const query = { asOf: asOfIso(asOf), ...versions, top, offset, limit };
  const vectors = useQuery({
    queryKey: queryKeys.uif.vectors(externalId, query),
    queryFn: () => uifApi.vectors(externalId, query),
    retry: retryUnlessClientError,
    placeholderData: keepPreviousData,
  });
  // Editors fill the gaps the section reports: a builtin version fitted on what the as-of
  // instant allows (its IDF must not see later summaries), then this user's partitions encoded.
  const encode = useMutation({
    mutationFn: async (step: { fit: boolean; encoder?: number }) => {
      let encoder = step.encoder;
      if (step.fit) {
        const fitted = (await postEncoders({ action: "fit", asOf: asOfIso(asOf) })) as FitResult;
        encoder = fitted.encoder.id;
      }
      return postEncoders({ action: "encode", encoder, users: [externalId] });
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.uif.all }),
  });

  const data = vectors.data;
  const rows = useMemo(() => chartRows(data?.columns ?? []), [data]);
  const window = data ? partitionWindow(data.offset, limit, data.total) : null;
  const shownRange = data ? { start: data.offset, end: data.offset + data.columns.length, total: data.total } : null;

  const controls = (
    <div className="flex flex-wrap items-center gap-3">
      <AsOfField
        value={asOf}
        onChange={(v) => {
          setAsOf(v);
          setOffset(undefined);
        }}
      />
      <VersionPickers
        value={versions}
        onChange={(v) => {
          setVersions(v);
          setOffset(undefined);
        }}
      />
    </div>
  );

  const editorAction = (code: EmptyReason) => {
    if (!can("editor")) return null;
    if (code === "no_encoder")
      return (
        <button
          type="button"
          disabled={encode.isPending}
          onClick={() => encode.mutate({ fit: true })}
          className="mt-3 rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700 disabled:opacity-60"
        >
          {encode.isPending ? "Fitting and encoding…" : `Fit the builtin encoder on data before ${asOfText(asOf)}`}
        </button>
      );
    if (code === "no_vectors")
      return (
        <button
          type="button"
          disabled={encode.isPending}
          onClick={() =>
            encode.mutate({
              fit: false,
              encoder: data?.encoder?.id ?? (typeof versions.encoder === "number" ? versions.encoder : undefined),
            })
          }
          className="mt-3 rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700 disabled:opacity-60"
        >
          {encode.isPending ? "Encoding…" : "Encode this user's partitions"}
        </button>
      );
    return null;
  };

  return (
    <Section
      id="vectors"
      title="Vectors"
      description="Each sealed partition's summary encoded as a vector (UIF), fused by recency-aware attention. Only partitions sealed strictly before the as-of instant count."
      actions={controls}
    >
      {vectors.isPending ? (
        <div role="status" className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
          <span className="sr-only">Loading vectors…</span>
          <Skeleton className="h-[240px] w-full" />
        </div>
      ) : vectors.isError ? (
        <ErrorState title="Could not load the vectors" error={vectors.error} onRetry={() => void vectors.refetch()} />
      ) : data!.reason || data!.columns.length === 0 ? (
        <EmptyState title={data!.reason ? EMPTY_TITLES[data!.reason.code] : "No partition vectors"}>
          <p>{data!.reason?.message ?? `No partition of this user was sealed before ${asOfText(asOf)}.`}</p>
          {data!.reason?.code === "no_summaries" && (
            <p className="mt-1">
              Summarise them in the{" "}
              <a href="#interest-cascade" className="font-medium text-sky-700 underline">
                interest cascade
              </a>
              ; encoding follows.
            </p>
          )}
          {data!.reason && editorAction(data!.reason.code)}
          {encode.isError && (
            <p role="alert" className="mt-2 text-red-700">
              {encode.error.message}
            </p>
          )}
        </EmptyState>
      ) : (
        <div aria-busy={vectors.isFetching} className={`space-y-3 ${vectors.isPlaceholderData ? "opacity-60" : ""}`}>
          <div className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-slate-200 bg-white px-3 py-2 shadow-sm">
            <VersionsLine encoder={data!.encoder} fusion={data!.fusion}>
              <span>As of {data!.asOf.slice(0, 16).replace("T", " ")} UTC</span>
              <Link
                href={`/population?user=${encodeURIComponent(externalId)}`}
                className="font-medium text-sky-700 underline"
              >
                See in the population
              </Link>
            </VersionsLine>
            <div className="flex flex-wrap items-center gap-2 text-xs">
              <label className="flex items-center gap-1 text-slate-600">
                Rows
                <select
                  value={top}
                  onChange={(e) => setTop(Number(e.target.value))}
                  className="rounded border border-slate-300 bg-white px-1 py-0.5"
                >
                  {TOP_CHOICES.map((n) => (
                    <option key={n} value={n}>
                      {n}
                    </option>
                  ))}
                </select>
              </label>
              <label className="flex items-center gap-1 text-slate-600">
                Per window
                <select
                  value={limit}
                  onChange={(e) => {
                    setLimit(Number(e.target.value));
                    setOffset(undefined);
                  }}
                  className="rounded border border-slate-300 bg-white px-1 py-0.5"
                >
                  {WINDOW_SIZES.map((n) => (
                    <option key={n} value={n}>
                      {n}
                    </option>
                  ))}
                </select>
              </label>
              {window && shownRange && <WindowPager window={window} range={shownRange} onOffset={setOffset} />}
            </div>
          </div>
          <div className="rounded-lg border border-slate-200 bg-white p-3 shadow-sm">
            <p className="mb-2 text-xs text-slate-500">
              Top {data!.dimensions.length} dimensions by variance over the user&apos;s partitions; columns oldest
              first. Hover a cell for its partition and summary.
            </p>
            <VectorHeatmap
              columns={data!.columns}
              dimensions={data!.dimensions}
              label={`Partition vectors of user ${externalId}: ${windowLabel(shownRange!)}`}
              selectedSeq={selectedSeq}
              onSelectSeq={onSelectSeq}
            />
          </div>
          <div className="grid gap-3 lg:grid-cols-2">
            <DriftChart rows={rows} selectedSeq={selectedSeq} onSelectSeq={onSelectSeq} />
            <AttentionChart rows={rows} total={data!.total} selectedSeq={selectedSeq} onSelectSeq={onSelectSeq} />
          </div>
          <ExportForm users={[externalId]} versions={versions} title="Export this user's features" />
        </div>
      )}
    </Section>
  );
}

function WindowPager({
  window: w,
  range,
  onOffset,
}: {
  window: ReturnType<typeof partitionWindow>;
  range: { start: number; end: number; total: number };
  onOffset: (offset: number) => void;
}) {
  const button = (label: string, target: number | null, title: string) => (
    <button
      type="button"
      disabled={target === null}
      onClick={() => target !== null && onOffset(target)}
      title={title}
      aria-label={title}
      className="rounded border border-slate-300 bg-white px-1.5 py-0.5 text-slate-700 enabled:hover:bg-slate-50 disabled:text-slate-300"
    >
      {label}
    </button>
  );
  return (
    <nav aria-label="Partition window" className="flex items-center gap-1">
      {button("«", w.first, "Oldest partitions")}
      {button("‹", w.older, "Older partitions")}
      <span className="px-1 tabular-nums text-slate-600" aria-live="polite">
        {windowLabel(range)}
      </span>
      {button("›", w.newer, "Newer partitions")}
      {button("»", w.latest, "Newest partitions")}
    </nav>
  );
}
