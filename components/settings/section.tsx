import type { ReactNode } from "react";

/** One block of the Settings page. */
export function SettingsSection({
  title,
  description,
  children,
  testId,
}: {
  title: string;
  description?: ReactNode;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <section
      className="rounded-lg border border-slate-200 bg-white p-5"
      data-testid={testId}
      aria-labelledby={`${testId ?? title}-title`}
    >
      <h2 id={`${testId ?? title}-title`} className="text-base font-semibold text-slate-900">
        {title}
      </h2>
      {description ? <p className="mt-1 text-sm text-slate-600">{description}</p> : null}
      <div className="mt-4">{children}</div>
    </section>
  );
}

export const smallInput =
  "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm text-slate-900 focus:border-slate-500 focus:ring-2 focus:ring-slate-200 focus:outline-none";
export const smallButton =
  "rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700 disabled:opacity-60";
export const linkButton = "text-sm text-slate-700 underline hover:text-slate-900 disabled:opacity-50";
export const dangerLinkButton = "text-sm text-red-700 underline hover:text-red-900 disabled:opacity-50";

export function InlineError({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p role="alert" className="mt-2 text-sm text-red-700">
      {error instanceof Error ? error.message : String(error)}
    </p>
  );
}
