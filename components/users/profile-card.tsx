import type { UserProfile } from "@/lib/users/contract";
import { Badge } from "@/components/ui/badge";
import { formatAttribute, formatDate, formatNumber } from "@/components/ui/format";

const DAY_MS = 86_400_000;

function spanText(first: string | null, last: string | null): string {
  if (!first || !last) return "–";
  const days = Math.round((Date.parse(last) - Date.parse(first)) / DAY_MS);
  if (days < 1) return "under a day";
  if (days < 60) return `${days} day${days === 1 ? "" : "s"}`;
  if (days < 730) return `${Math.round(days / 30.44)} months`;
  return `${(days / 365.25).toFixed(1)} years`;
}

export function ProfileCard({ user }: { user: UserProfile }) {
  const attributes = Object.entries(user.attributes);
  const stats = [
    ["Events", formatNumber(user.eventCount)],
    ["Distinct items", formatNumber(user.distinctItems)],
    ["First activity", formatDate(user.firstEventAt)],
    ["Last activity", formatDate(user.lastEventAt)],
    ["Active span", spanText(user.firstEventAt, user.lastEventAt)],
  ] as const;
  return (
    <section aria-labelledby="profile-title" className="mb-8 rounded-lg border border-slate-200 bg-white shadow-sm">
      <h2 id="profile-title" className="sr-only">
        Profile
      </h2>
      <dl className="grid grid-cols-2 divide-slate-100 border-b border-slate-100 sm:grid-cols-3 md:grid-cols-5 md:divide-x">
        {stats.map(([label, value]) => (
          <div key={label} className="px-4 py-3">
            <dt className="text-xs font-medium text-slate-500">{label}</dt>
            <dd className="mt-0.5 text-lg font-semibold tabular-nums text-slate-900">{value}</dd>
          </div>
        ))}
      </dl>
      <div className="grid gap-4 px-4 py-3 md:grid-cols-[1fr_2fr]">
        <div>
          <h3 className="mb-1.5 text-xs font-medium text-slate-500">Behaviour kinds</h3>
          {user.kinds.length ? (
            <ul className="flex flex-wrap gap-1.5">
              {user.kinds.map((k) => (
                <li key={k.kind}>
                  <Badge tone="sky">
                    {k.kind} · {formatNumber(k.count)}
                  </Badge>
                </li>
              ))}
            </ul>
          ) : (
            <p className="text-sm text-slate-500">No behaviours logged.</p>
          )}
        </div>
        <div>
          <h3 className="mb-1.5 text-xs font-medium text-slate-500">Attributes</h3>
          {attributes.length ? (
            <dl aria-label="Attributes" className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
              {attributes.map(([key, value]) => (
                <div key={key} className="contents">
                  <dt className="font-mono text-xs leading-5 text-slate-500">{key}</dt>
                  <dd className="break-words text-slate-800">{formatAttribute(value)}</dd>
                </div>
              ))}
            </dl>
          ) : (
            <p className="text-sm text-slate-500">No attributes in the source data.</p>
          )}
        </div>
      </div>
    </section>
  );
}
