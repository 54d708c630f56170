"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { fetchJson, retryUnlessClientError } from "@/lib/api/fetch-json";
import type { CtrEncoderFit, CtrEncoderStatus } from "@/lib/ctr/contract";
import { formatDateTime } from "@/components/ui/format";
import { ErrorState, Skeleton } from "@/components/ui/states";
import { encoderSettings, type LabSettings } from "./lab-model";

const ENCODER_KEY = ["ctr", "encoder"] as const;

/** The value after it stopped changing for `ms` (typing a label rule or a date re-asks once). */
function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}

/**
 * Which UIF encoder +LIBER will read for these settings (GET /api/ctr/encoder). When none was
 * fitted before their validation cutoff, says so and lets an editor fit the builtin encoder as
 * of the cutoff (POST /api/ctr/encoder, what `liber ctr-eval --fit-encoder` does).
 */
export function EncoderPanel({
  settings,
  canFit,
  running,
}: {
  settings: Pick<LabSettings, "label" | "from" | "to">;
  canFit: boolean;
  running: boolean;
}) {
  const queryClient = useQueryClient();
  const { label, from, to } = settings;
  // debounced as a string: a fresh object every render would never settle
  const settled = useDebounced(JSON.stringify(encoderSettings({ label, from, to })), 400);
  const params = JSON.parse(settled) as ReturnType<typeof encoderSettings>;
  const key = [...ENCODER_KEY, settled];
  const status = useQuery({
    queryKey: key,
    retry: retryUnlessClientError,
    queryFn: () => fetchJson<CtrEncoderStatus>(`/api/ctr/encoder?${new URLSearchParams(params)}`),
  });
  const fit = useMutation({
    mutationFn: () =>
      fetchJson<{ fit: CtrEncoderFit; status: CtrEncoderStatus }>("/api/ctr/encoder", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(params),
      }),
    onSuccess: ({ status: next }) => queryClient.setQueryData(key, next),
  });
  // a fit answer is about the settings it was asked for: forget it when they change
  const { reset } = fit;
  useEffect(() => reset(), [settled, reset]);

  const typing = JSON.stringify(encoderSettings({ label, from, to })) !== settled;
  if (status.isPending || typing)
    return (
      <div className="col-span-full" role="status" aria-label="Checking the encoders for these settings">
        <Skeleton className="h-10" />
      </div>
    );
  if (status.isError)
    return (
      <div className="col-span-full">
        <ErrorState
          error={status.error}
          title="Could not check the encoders for these settings"
          onRetry={() => void status.refetch()}
        />
      </div>
    );
  const s = status.data;
  const cutoff = s.validFrom ? formatDateTime(s.validFrom) : "—";
  return (
    <div className="col-span-full rounded-md border border-slate-200 p-3 text-sm" data-testid="ctr-encoder-status">
      {s.leakFree ? (
        <p className="text-slate-700">
          Leak-free encoder #{s.leakFree.id} ({s.leakFree.kind}, fitted until {formatDateTime(s.leakFree.fittedUntil)}):
          +LIBER reads its partition vectors (validation cutoff of these settings: {cutoff}).
          {fit.data && (
            <span className="block text-xs text-slate-500" data-testid="ctr-encoder-fitted">
              {fit.data.fit.created ? "Fitted" : "Found the stored version"} #{fit.data.fit.id} as of {cutoff};{" "}
              {fit.data.fit.encoded} summary texts encoded.
            </span>
          )}
        </p>
      ) : (
        <div className="space-y-2 text-amber-800">
          <p>
            No encoder fitted before the validation cutoff of these settings ({cutoff}) has vectors: +LIBER would see no
            partition vectors.{" "}
            {s.late
              ? `Encoder #${s.late.id} was fitted later (until ${formatDateTime(s.late.fittedUntil)}); allowing it below leaks the evaluation period into its IDF.`
              : "No other encoder has vectors either."}
          </p>
          {canFit ? (
            <div className="flex flex-wrap items-center gap-2">
              <button
                type="button"
                disabled={fit.isPending || running}
                onClick={() => fit.mutate()}
                className="rounded-md border border-amber-700 bg-white px-3 py-1.5 font-medium text-amber-900 hover:bg-amber-50 disabled:opacity-50"
              >
                {fit.isPending ? "Fitting and encoding…" : "Fit a leak-free encoder as of the validation cutoff"}
              </button>
              {fit.isPending && (
                <span role="status" className="text-xs text-slate-600">
                  Fitting the builtin encoder on the summaries sealed before {cutoff}, then encoding every summary; this
                  can take a while on a large database.
                </span>
              )}
            </div>
          ) : (
            <p className="text-xs text-slate-600">An editor can fit a leak-free encoder as of the validation cutoff.</p>
          )}
          {fit.isError && <ErrorState error={fit.error} title="Could not fit the encoder" />}
        </div>
      )}
    </div>
  );
}
