"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";
import { queryKeys } from "@/lib/query-keys";
import { uilApi } from "@/lib/summaries/api-client";
import { formatCost } from "@/components/summaries/summary-format";
import { exampleCallCost, rowsFromPrices, rowsToPrices, type PriceRow } from "./llm-settings-model";
import { dangerLinkButton, InlineError, linkButton, SettingsSection, smallButton, smallInput } from "./section";

/** Admins: $ per million tokens by provider and model, from which every call's cost is computed. */
export function LlmPricesSection() {
  const queryClient = useQueryClient();
  const prices = useQuery({ queryKey: queryKeys.summaries.prices(), queryFn: uilApi.prices });
  const [rows, setRows] = useState<PriceRow[] | null>(null);
  const [rowErrors, setRowErrors] = useState<Map<number, string>>(new Map());
  const [saved, setSaved] = useState(false);
  const nextKey = useRef(1_000_000);
  // The form starts from the saved prices once they arrive (set while rendering, not in an effect).
  if (prices.data && rows === null) setRows(rowsFromPrices(prices.data));

  const save = useMutation({
    mutationFn: uilApi.savePrices,
    onSuccess: (next) => {
      queryClient.setQueryData(queryKeys.summaries.prices(), next);
      setRows(rowsFromPrices(next));
      setSaved(true);
    },
  });

  const update = (key: number, patch: Partial<PriceRow>) => {
    setSaved(false);
    setRows((rs) => rs?.map((r) => (r.key === key ? { ...r, ...patch } : r)) ?? rs);
  };
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!rows) return;
    const result = rowsToPrices(rows);
    if (!result.ok) {
      setRowErrors(result.errors);
      return;
    }
    setRowErrors(new Map());
    save.mutate(result.prices);
  }

  return (
    <SettingsSection
      title="Model prices"
      testId="llm-prices-section"
      description="Dollars per million tokens. Each call's cost is computed from its counted tokens with these prices when it is made; changing them does not rewrite past costs. The builtin provider is free."
    >
      <InlineError error={prices.error} />
      {rows && (
        <form onSubmit={submit} noValidate aria-label="Model prices">
          <table aria-label="Model prices" className="w-full text-left text-sm">
            <thead className="text-xs text-slate-500 uppercase">
              <tr>
                <th className="py-2 pr-2 font-medium">Provider</th>
                <th className="py-2 pr-2 font-medium">Model</th>
                <th className="py-2 pr-2 text-right font-medium">Input $/M tok</th>
                <th className="py-2 pr-2 text-right font-medium">Output $/M tok</th>
                <th
                  className="py-2 pr-2 text-right font-medium"
                  title="What a call of 1,000 prompt and 200 completion tokens costs"
                >
                  Example call
                </th>
                <th className="py-2" />
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {rows.map((row, i) => {
                const error = rowErrors.get(row.key);
                const input = Number(row.inputPerMTok);
                const output = Number(row.outputPerMTok);
                return (
                  <tr key={row.key} className="align-top">
                    <td className="py-1.5 pr-2">
                      <input
                        aria-label={`Provider, row ${i + 1}`}
                        value={row.provider}
                        onChange={(e) => update(row.key, { provider: e.target.value })}
                        className={`${smallInput} w-28`}
                      />
                    </td>
                    <td className="py-1.5 pr-2">
                      <input
                        aria-label={`Model, row ${i + 1}`}
                        value={row.model}
                        onChange={(e) => update(row.key, { model: e.target.value })}
                        className={`${smallInput} w-full min-w-40`}
                      />
                      {error && <p className="mt-1 text-xs text-red-700">{error}</p>}
                    </td>
                    <td className="py-1.5 pr-2 text-right">
                      <input
                        aria-label={`Input price, row ${i + 1}`}
                        value={row.inputPerMTok}
                        inputMode="decimal"
                        onChange={(e) => update(row.key, { inputPerMTok: e.target.value })}
                        className={`${smallInput} w-24 text-right tabular-nums`}
                      />
                    </td>
                    <td className="py-1.5 pr-2 text-right">
                      <input
                        aria-label={`Output price, row ${i + 1}`}
                        value={row.outputPerMTok}
                        inputMode="decimal"
                        onChange={(e) => update(row.key, { outputPerMTok: e.target.value })}
                        className={`${smallInput} w-24 text-right tabular-nums`}
                      />
                    </td>
                    <td className="py-1.5 pr-2 pt-3 text-right text-xs text-slate-500 tabular-nums">
                      {Number.isFinite(input) && Number.isFinite(output)
                        ? formatCost(exampleCallCost({ inputPerMTok: input, outputPerMTok: output }))
                        : "–"}
                    </td>
                    <td className="py-1.5 pt-2.5 text-right">
                      <button
                        type="button"
                        className={dangerLinkButton}
                        onClick={() => {
                          setSaved(false);
                          setRows(rows.filter((r) => r.key !== row.key));
                        }}
                      >
                        Remove
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {rows.length === 0 && (
            <p className="py-2 text-sm text-slate-500">
              No prices yet: add the models you call so their costs can be counted.
            </p>
          )}
          <div className="mt-3 flex flex-wrap items-center gap-3 border-t border-slate-100 pt-3">
            <button
              type="button"
              className={linkButton}
              onClick={() => {
                setSaved(false);
                setRows([
                  ...rows,
                  { key: nextKey.current++, provider: "openai", model: "", inputPerMTok: "0", outputPerMTok: "0" },
                ]);
              }}
            >
              Add a model
            </button>
            <button type="submit" className={smallButton} disabled={save.isPending}>
              {save.isPending ? "Saving…" : "Save prices"}
            </button>
            {saved && !save.isPending && (
              <span role="status" className="text-sm text-emerald-700">
                Prices saved.
              </span>
            )}
          </div>
          <InlineError error={save.error} />
        </form>
      )}
    </SettingsSection>
  );
}
