import { Badge } from "@/components/ui/badge";
import { formatDateTime, formatValue } from "@/components/ui/format";
import { Td, Th, THead } from "@/components/ui/table";
import { categoryColour } from "@/components/partitions/category-colours";

/** What a behaviour row shows; both the user's log and a partition's behaviours fit it. */
export interface BehaviorRowData {
  id: number;
  ts: string;
  kind: string;
  value: number | null;
  item: { externalId: string; title: string; categories: string[] };
}

export function BehaviorTableHead() {
  return (
    <THead>
      <tr>
        <Th className="w-40">Time (UTC)</Th>
        <Th className="w-24">Kind</Th>
        <Th className="w-20 text-right">Value</Th>
        <Th>Item</Th>
      </tr>
    </THead>
  );
}

export function BehaviorTableRow({ behavior: b }: { behavior: BehaviorRowData }) {
  return (
    <tr className="hover:bg-slate-50">
      <Td className="whitespace-nowrap tabular-nums text-slate-600">
        <time dateTime={b.ts}>{formatDateTime(b.ts)}</time>
      </Td>
      <Td>
        <Badge>{b.kind}</Badge>
      </Td>
      <Td className="text-right tabular-nums">{formatValue(b.value)}</Td>
      <Td>
        {/* Titles come from imported files: rendered as text, never as HTML. */}
        <span className="text-slate-900" title={`Item ${b.item.externalId}`}>
          {b.item.title}
        </span>
        {b.item.categories.length > 0 && (
          <span className="ml-2 inline-flex flex-wrap gap-1 align-middle">
            {b.item.categories.map((c) => (
              <span
                key={c}
                className="inline-flex items-center gap-1 rounded bg-slate-100 px-1.5 py-px text-[11px] text-slate-600"
              >
                {/* The same category colours as the partition timeline. */}
                <span className="inline-block h-1.5 w-1.5 rounded-full" style={{ background: categoryColour(c) }} />
                {c}
              </span>
            ))}
          </span>
        )}
      </Td>
    </tr>
  );
}
