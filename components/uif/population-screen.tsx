"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useState, type FormEvent } from "react";
import { retryUnlessClientError } from "@/lib/api/fetch-json";
import { queryKeys } from "@/lib/query-keys";
import { uifApi, type PopulationColor, type ProjectionMethod, type VersionSelection } from "@/lib/uif/api-client";
import { userPageHref } from "@/lib/users/api-client";
import { formatDateTime, formatNumber } from "@/components/ui/format";
import { PageHeader, Section } from "@/components/ui/page-header";
import { EmptyState, ErrorState, Skeleton } from "@/components/ui/states";
import { ExportForm, VersionPickers, VersionsLine } from "./controls";
import { PopulationMap, usePointColours } from "./population-map";
import { COLOUR_CHOICES, type Legend } from "./population-model";

/** While the server computes a UMAP, ask again this often. */
const UMAP_POLL_MS = 3000;
const NEIGHBOURS = 10;

const selectClass = "rounded-md border border-slate-300 bg-white px-2 py-1 text-sm font-normal text-slate-800";

/**
 * The population of fused interest vectors: every user as a dot (PCA, or UMAP computed off the
 * request path), coloured by an attribute, the user of `?user=` highlighted with their k
 * nearest users by interest. Clicking a dot opens that user.
 */
export function PopulationScreen() {
  const router = useRouter();
  const pathname = usePathname();
  const search = useSearchParams();
  const selected = search.get("user") || null;
  const [projection, setProjection] = useState<ProjectionMethod>("pca");
  const [color, setColor] = useState<PopulationColor>("dominantCategory");
  const [versions, setVersions] = useState<VersionSelection>({});
  const [highlighted, setHighlighted] = useState<string | null>(null);

  const query = { projection, color, ...versions };
  const population = useQuery({
    queryKey: queryKeys.uif.population(query),
    queryFn: () => uifApi.population(query),
    retry: retryUnlessClientError,
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.pending ? UMAP_POLL_MS : false),
  });
  const neighbourQuery = { k: NEIGHBOURS, ...versions };
  const neighbours = useQuery({
    queryKey: queryKeys.uif.neighbours(selected ?? "", neighbourQuery),
    queryFn: () => uifApi.neighbours(selected!, neighbourQuery),
    enabled: selected !== null,
    retry: retryUnlessClientError,
  });

  const points = population.data?.points ?? [];
  const colours = usePointColours(points, color);
  const select = (user: string | null) => {
    const params = new URLSearchParams(search.toString());
    if (user) params.set("user", user);
    else params.delete("user");
    const s = params.toString();
    router.replace(s ? `${pathname}?${s}` : pathname, { scroll: false });
  };

  const data = population.data;
  const selectedMissing =
    selected !== null && data !== undefined && !data.reason && !points.some((p) => p.user === selected);

  return (
    <>
      <PageHeader
        title="Population"
        description="Every user's fused interest vector projected to two dimensions: users close together have similar interests. Hover a dot to identify it, click to open the user."
      />
      <div className="mb-3 flex flex-wrap items-center gap-3">
        <div
          role="group"
          aria-label="Projection"
          className="inline-flex overflow-hidden rounded-md border border-slate-300 bg-white text-sm"
        >
          {(["pca", "umap"] as const).map((p) => (
            <button
              key={p}
              type="button"
              aria-pressed={projection === p}
              onClick={() => setProjection(p)}
              className={`px-3 py-1 not-first:border-l not-first:border-slate-300 ${projection === p ? "bg-slate-900 text-white" : "text-slate-700 hover:bg-slate-50"}`}
            >
              {p.toUpperCase()}
            </button>
          ))}
        </div>
        <label className="flex items-center gap-2 text-xs font-medium text-slate-600">
          Colour by
          <select value={color} onChange={(e) => setColor(e.target.value as PopulationColor)} className={selectClass}>
            {COLOUR_CHOICES.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        <VersionPickers value={versions} onChange={setVersions} />
      </div>

      {population.isPending ? (
        <div role="status" className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
          <span className="sr-only">Loading the population…</span>
          <Skeleton className="h-[480px] w-full" />
        </div>
      ) : population.isError ? (
        <ErrorState
          title="Could not load the population"
          error={population.error}
          onRetry={() => void population.refetch()}
        />
      ) : data!.reason ? (
        <EmptyState title="No fused vectors to map yet">{data!.reason.message}</EmptyState>
      ) : (
        <div className="grid gap-4 xl:grid-cols-[minmax(0,1fr)_20rem]">
          <div className="min-w-0 space-y-2">
            <div className="flex flex-wrap items-center justify-between gap-2 rounded-lg border border-slate-200 bg-white px-3 py-2 shadow-sm">
              <VersionsLine encoder={data!.encoder} fusion={data!.fusion}>
                <span>
                  {formatNumber(points.length)} users · {data!.projection.toUpperCase()}
                  {data!.cached ? " (cached)" : ""} · computed {formatDateTime(data!.computedAt)} UTC
                </span>
              </VersionsLine>
              {data!.pending && (
                <span
                  role="status"
                  className="rounded bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-800 ring-1 ring-amber-200 ring-inset"
                >
                  Computing UMAP… showing PCA meanwhile
                </span>
              )}
            </div>
            <div
              className={`rounded-lg border border-slate-200 bg-white p-2 shadow-sm ${population.isPlaceholderData ? "opacity-60" : ""}`}
              aria-busy={population.isFetching}
            >
              <PopulationMap
                points={points}
                colours={colours}
                selected={selected}
                neighbours={neighbours.data?.neighbours.map((n) => n.user) ?? []}
                highlighted={highlighted}
                onOpen={(user) => router.push(userPageHref(user))}
                label={`Map of ${formatNumber(points.length)} users by interest (${data!.projection.toUpperCase()}), coloured by ${COLOUR_CHOICES.find((c) => c.value === color)?.label.toLowerCase()}. The neighbours list beside it names the nearest users of the selected one.`}
              />
              <LegendView legend={colours.legend} />
            </div>
          </div>
          <aside className="space-y-4">
            <FindUser key={selected ?? ""} current={selected} onSelect={select} />
            {selected && (
              <Section
                id="neighbours"
                title={`Nearest users to ${selected}`}
                description="By cosine similarity of the fused vectors."
              >
                {selectedMissing && (
                  <p className="mb-2 text-xs text-amber-800">
                    This user has no fused vector in the map (no encoded partition).
                  </p>
                )}
                <p className="mb-2 text-xs">
                  <Link href={userPageHref(selected)} className="font-medium text-sky-700 underline">
                    Open user {selected}
                  </Link>
                </p>
                {neighbours.isPending ? (
                  <Skeleton className="h-40 w-full" />
                ) : neighbours.isError ? (
                  <ErrorState
                    title="Could not load the neighbours"
                    error={neighbours.error}
                    onRetry={() => void neighbours.refetch()}
                  />
                ) : neighbours.data!.reason ? (
                  <EmptyState title="No neighbours">{neighbours.data!.reason.message}</EmptyState>
                ) : (
                  <ol
                    aria-label={`Nearest users to ${selected}`}
                    className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm shadow-sm"
                  >
                    {neighbours.data!.neighbours.map((n, i) => (
                      <li
                        key={n.user}
                        className="flex items-center gap-2 px-3 py-1.5"
                        onPointerEnter={() => setHighlighted(n.user)}
                        onPointerLeave={() => setHighlighted(null)}
                      >
                        <span className="w-5 text-right text-xs tabular-nums text-slate-400">{i + 1}</span>
                        <Link
                          href={userPageHref(n.user)}
                          className="min-w-0 flex-1 truncate font-medium text-sky-700 hover:underline"
                          onFocus={() => setHighlighted(n.user)}
                          onBlur={() => setHighlighted(null)}
                        >
                          User {n.user}
                        </Link>
                        <span className="text-xs tabular-nums text-slate-500">{formatNumber(n.partitions)} p.</span>
                        <SimilarityBar value={n.similarity} />
                      </li>
                    ))}
                  </ol>
                )}
              </Section>
            )}
          </aside>
        </div>
      )}
      <div className="mt-6">
        <ExportForm versions={versions} title="Export features" />
      </div>
    </>
  );
}

function SimilarityBar({ value }: { value: number }) {
  const width = Math.max(0, Math.min(1, value)) * 100;
  return (
    <span className="flex w-24 items-center gap-1.5" title={`Cosine similarity ${value.toFixed(4)}`}>
      <span aria-hidden="true" className="h-1.5 flex-1 overflow-hidden rounded-full bg-slate-100">
        <span className="block h-full rounded-full bg-sky-600" style={{ width: `${width}%` }} />
      </span>
      <span className="w-10 text-right text-xs tabular-nums text-slate-700">{value.toFixed(3)}</span>
    </span>
  );
}

function FindUser({ current, onSelect }: { current: string | null; onSelect: (user: string | null) => void }) {
  const [value, setValue] = useState(current ?? "");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSelect(value.trim() || null);
  };
  return (
    <form onSubmit={submit} role="search" aria-label="Select a user" className="flex items-end gap-2">
      <label className="flex flex-1 flex-col gap-1 text-xs font-medium text-slate-600">
        Select a user (external id)
        <input value={value} onChange={(e) => setValue(e.target.value)} className={selectClass} placeholder="e.g. 42" />
      </label>
      <button type="submit" className="rounded-md border border-slate-300 bg-white px-3 py-1 text-sm hover:bg-slate-50">
        Show
      </button>
      {current && (
        <button
          type="button"
          onClick={() => {
            setValue("");
            onSelect(null);
          }}
          className="px-1 py-1 text-xs text-slate-500 underline"
        >
          Clear
        </button>
      )}
    </form>
  );
}

function LegendView({ legend }: { legend: Legend }) {
  if (legend.kind === "numeric") {
    return (
      <div
        className="mt-2 flex flex-wrap items-center gap-2 px-1 text-xs text-slate-600 tabular-nums"
        aria-label="Colour legend"
      >
        <span>{formatNumber(legend.min)}</span>
        <span
          aria-hidden="true"
          className="h-2 w-40 rounded-sm"
          style={{ background: `linear-gradient(to right, ${legend.stops.join(", ")})` }}
        />
        <span>{formatNumber(legend.max)}</span>
        {legend.log && <span className="text-slate-500">(log scale)</span>}
        {legend.missing > 0 && (
          <span className="text-slate-500">· grey: not known ({formatNumber(legend.missing)})</span>
        )}
      </div>
    );
  }
  return (
    <ul aria-label="Colour legend" className="mt-2 flex flex-wrap gap-x-3 gap-y-1 px-1 text-xs text-slate-600">
      {legend.items.map((item) => (
        <li key={item.label} className="flex items-center gap-1">
          <span
            aria-hidden="true"
            className="inline-block h-2.5 w-2.5 rounded-full"
            style={{ background: item.colour }}
          />
          {item.label} <span className="tabular-nums text-slate-400">{formatNumber(item.count)}</span>
        </li>
      ))}
    </ul>
  );
}
