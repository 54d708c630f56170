import type { ComponentProps } from "react";
import { UserPartitionTimeline } from "@/components/partitions/user-partition-timeline";
import { Section } from "@/components/ui/page-header";

/**
 * The place for the user's interest timeline: sealed UBSP partitions and the UIL summary
 * cascade. The section id and heading stay so links and tests keep finding it.
 */
export function InterestTimelineSlot(props: ComponentProps<typeof UserPartitionTimeline>) {
  return (
    <Section
      id="interest-timeline"
      title="Interest timeline"
      description="The user's log sealed into partitions (UBSP), each coloured by its dominant category."
    >
      <UserPartitionTimeline {...props} />
    </Section>
  );
}
