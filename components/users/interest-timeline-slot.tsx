import { Section } from "@/components/ui/page-header";

/**
 * The place for the user's interest timeline: sealed UBSP partitions and the UIL summary
 * cascade. The partitioning and summary work replaces this component's body; the section id
 * and heading stay so links and tests keep finding it.
 */
export function InterestTimelineSlot({ externalId: _externalId }: { externalId: string }) {
  return (
    <Section id="interest-timeline" title="Interest timeline" description="Partitions of the log and the LLM's interest summary for each.">
      <div className="rounded-lg border border-dashed border-slate-300 bg-white px-4 py-6 text-sm text-slate-500">
        Sealed partitions (UBSP) and their interest summaries and shifts (UIL cascade) will appear here once
        partitioning and summarisation are set up.
      </div>
    </Section>
  );
}
