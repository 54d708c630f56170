import { formatNumber } from "@/components/ui/format";
import { dominantCounts, type TimelineBand } from "./bands";
import { categoryColour } from "./category-colours";

const SHOWN = 10;

/** Which colour means which dominant category, with how many partitions it dominates. */
export function DominantLegend({ bands }: { bands: readonly TimelineBand[] }) {
  const counts = dominantCounts(bands);
  const open = bands.find((b) => b.open);
  const rest = counts.slice(SHOWN).reduce((s, c) => s + c.count, 0);
  return (
    <ul aria-label="Dominant categories" className="mt-2 flex flex-wrap gap-x-3 gap-y-1 text-xs text-slate-600">
      {counts.slice(0, SHOWN).map((c) => (
        <li key={c.category ?? "(none)"} className="flex items-center gap-1.5">
          <span className="inline-block h-2.5 w-2.5 rounded-sm" style={{ background: categoryColour(c.category) }} />
          {c.category ?? "No category"}
          <span className="tabular-nums text-slate-400">{formatNumber(c.count)}</span>
        </li>
      ))}
      {rest > 0 && <li className="text-slate-400">+{formatNumber(rest)} more</li>}
      {open && (
        <li className="flex items-center gap-1.5">
          <span className="inline-block h-2.5 w-2.5 rounded-sm border border-dashed border-slate-500 bg-[repeating-linear-gradient(45deg,#94a3b8_0_2px,#fff_2px_4px)]" />
          Open cache
        </li>
      )}
    </ul>
  );
}
