import type { ReactNode } from "react";
import { PageHeader } from "./page-header";

/** A screen that later work fills in: says what it will hold and how to get there today. */
export function PlannedScreen({
  title,
  summary,
  features,
  meanwhile,
}: {
  title: string;
  summary: string;
  features: string[];
  meanwhile?: ReactNode;
}) {
  return (
    <>
      <PageHeader title={title} description={summary} />
      <div className="max-w-2xl rounded-lg border border-dashed border-slate-300 bg-white px-5 py-4">
        <p className="text-sm font-medium text-slate-900">Not built yet. This screen will let you:</p>
        <ul className="mt-2 list-disc space-y-1 pl-5 text-sm text-slate-600">
          {features.map((f) => (
            <li key={f}>{f}</li>
          ))}
        </ul>
        {meanwhile && <p className="mt-3 text-sm text-slate-600">{meanwhile}</p>}
      </div>
    </>
  );
}
