"use client";

import { useQuery } from "@tanstack/react-query";
import { useId, useState, type ReactNode } from "react";
import { retryUnlessClientError } from "@/lib/api/fetch-json";
import {
  exportHref,
  uifApi,
  type EncoderRefInfo,
  type ExportFormat,
  type FusionConfigInfo,
  type VersionSelection,
} from "@/lib/uif/api-client";
import { queryKeys } from "@/lib/query-keys";
import { formatNumber } from "@/components/ui/format";
import { asOfInputValue, asOfIso } from "./as-of";

// Controls shared by the user's Vectors section and the population page: the as-of picker,
// the encoder / fusion version pickers, the versions line and the export form.

const selectClass = "rounded-md border border-slate-300 bg-white px-2 py-1 text-sm font-normal text-slate-800";
const labelClass = "text-xs font-medium text-slate-600";

/** As-of instant (UTC); empty means now. */
export function AsOfField({ value, onChange, id }: { value: string; onChange: (value: string) => void; id?: string }) {
  const generated = useId();
  const inputId = id ?? `${generated}-as-of`;
  return (
    <div className="flex items-center gap-2">
      <label htmlFor={inputId} className={labelClass}>
        As of (UTC)
      </label>
      <input
        id={inputId}
        type="datetime-local"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        className={selectClass}
        title="Only partitions sealed strictly before this instant; empty: now"
      />
      {value && (
        <button
          type="button"
          onClick={() => onChange("")}
          className="text-xs text-slate-500 underline hover:text-slate-900"
        >
          Now
        </button>
      )}
    </div>
  );
}

/** Encoder and fusion version pickers; "Default" leaves the choice to the server. */
export function VersionPickers({
  value,
  onChange,
}: {
  value: VersionSelection;
  onChange: (value: VersionSelection) => void;
}) {
  const id = useId();
  const encoders = useQuery({
    queryKey: queryKeys.uif.encoders(),
    queryFn: uifApi.encoders,
    retry: retryUnlessClientError,
  });
  const fusions = useQuery({
    queryKey: queryKeys.uif.fusions(),
    queryFn: uifApi.fusions,
    retry: retryUnlessClientError,
  });
  return (
    <>
      <div className="flex items-center gap-2">
        <label htmlFor={`${id}-encoder`} className={labelClass}>
          Encoder
        </label>
        <select
          id={`${id}-encoder`}
          value={value.encoder === undefined ? "" : String(value.encoder)}
          onChange={(e) => {
            const v = e.target.value;
            onChange({ ...value, encoder: v === "" ? undefined : v === "builtin" || v === "openai" ? v : Number(v) });
          }}
          className={`${selectClass} max-w-[16rem]`}
        >
          <option value="">Default</option>
          {encoders.data?.encoders.map((e) => (
            <option key={e.id} value={e.id}>
              #{e.id} {e.version} · {formatNumber(e.vectors)} vectors{e.isDefault ? " · default" : ""}
            </option>
          ))}
        </select>
      </div>
      {fusions.data && fusions.data.fusions.length > 1 && (
        <div className="flex items-center gap-2">
          <label htmlFor={`${id}-fusion`} className={labelClass}>
            Fusion
          </label>
          <select
            id={`${id}-fusion`}
            value={value.fusion === undefined ? "" : String(value.fusion)}
            onChange={(e) => onChange({ ...value, fusion: e.target.value === "" ? undefined : Number(e.target.value) })}
            className={selectClass}
          >
            <option value="">Default</option>
            {fusions.data.fusions.map((f) => (
              <option key={f.id} value={f.id}>
                #{f.id} {fusionParamsText(f)}
                {f.isDefault ? " · default" : ""}
              </option>
            ))}
          </select>
        </div>
      )}
    </>
  );
}

export function fusionParamsText(f: FusionConfigInfo): string {
  const p = f.params;
  return `τ ${p.temperature}, half-life ${p.halfLifeDays === null ? "none" : `${p.halfLifeDays} d`}${p.shiftWeight ? `, shift ×${p.shiftWeight}` : ""}`;
}

/** Which versions made what is shown: every vector view names them. */
export function VersionsLine({
  encoder,
  fusion,
  children,
}: {
  encoder: EncoderRefInfo | null;
  fusion: FusionConfigInfo;
  children?: ReactNode;
}) {
  return (
    <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-slate-600" data-testid="uif-versions">
      <span>
        Encoder{" "}
        {encoder ? (
          <strong
            className="font-mono text-[11px] text-slate-900"
            title={encoder.fittedUntil ? `IDF fitted on partitions sealed before ${encoder.fittedUntil}` : undefined}
          >
            {encoder.version}
          </strong>
        ) : (
          <strong className="text-slate-900">none</strong>
        )}
        {encoder && <span className="text-slate-500"> · {encoder.dims} d</span>}
      </span>
      <span>
        Fusion <strong className="font-mono text-[11px] text-slate-900">{fusion.version}</strong>
        <span className="text-slate-500"> · {fusionParamsText(fusion)}</span>
      </span>
      {children}
    </div>
  );
}

const FORMATS: { value: ExportFormat; label: string }[] = [
  { value: "csv", label: "CSV" },
  { value: "jsonl", label: "JSON lines" },
  { value: "npy", label: "NumPy .npy" },
  { value: "parquet", label: "Parquet" },
];

/**
 * The features export as a download link: the fused vectors at an as-of instant in one of
 * four formats, for the given users (fixed) or those typed in (empty: everyone).
 */
export function ExportForm({
  users,
  versions,
  title = "Export features",
}: {
  users?: readonly string[];
  versions: VersionSelection;
  title?: string;
}) {
  const id = useId();
  // The API needs an explicit instant: the form starts at the current minute (UTC).
  const [asOf, setAsOf] = useState(() => asOfInputValue(new Date()));
  const [format, setFormat] = useState<ExportFormat>("csv");
  const [typedUsers, setTypedUsers] = useState("");
  const chosenUsers = users ?? typedUsers.split(/[\s,]+/).filter(Boolean);
  const iso = asOfIso(asOf);
  const href = iso ? exportHref({ asOf: iso, format, users: chosenUsers, ...versions }) : undefined;
  return (
    <form
      aria-label={title}
      onSubmit={(e) => e.preventDefault()}
      className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white px-3 py-2 shadow-sm"
    >
      <span className="self-center text-sm font-medium text-slate-900">{title}</span>
      <AsOfField id={`${id}-export-as-of`} value={asOf} onChange={setAsOf} />
      <div className="flex items-center gap-2">
        <label htmlFor={`${id}-format`} className={labelClass}>
          Format
        </label>
        <select
          id={`${id}-format`}
          value={format}
          onChange={(e) => setFormat(e.target.value as ExportFormat)}
          className={selectClass}
        >
          {FORMATS.map((f) => (
            <option key={f.value} value={f.value}>
              {f.label}
            </option>
          ))}
        </select>
      </div>
      {users ? (
        <span className="self-center text-xs text-slate-600">
          {users.length === 1 ? `User ${users[0]} only` : `${users.length} users`}
        </span>
      ) : (
        <div className="flex items-center gap-2">
          <label htmlFor={`${id}-users`} className={labelClass}>
            Users
          </label>
          <input
            id={`${id}-users`}
            value={typedUsers}
            onChange={(e) => setTypedUsers(e.target.value)}
            placeholder="all (or ids, comma-separated)"
            className={`${selectClass} w-56`}
          />
        </div>
      )}
      {href ? (
        <a
          href={href}
          download
          className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700"
        >
          Download
        </a>
      ) : (
        <span role="alert" className="self-center text-xs text-red-700">
          Pick an as-of instant to export.
        </span>
      )}
    </form>
  );
}
