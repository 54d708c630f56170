import type { Metadata } from "next";
import { PlannedScreen } from "@/components/ui/planned-screen";

export const metadata: Metadata = { title: "Partitioning" };

export default function PartitioningPage() {
  return (
    <PlannedScreen
      title="Partitioning"
      summary="User Behavior Streaming Partition (UBSP): when a user's short-term cache is sealed into a long-term partition."
      features={[
        "Choose the partition rule: every K behaviours, a time gap, a time span, or an interest-drift test.",
        "Preview how a rule splits sample users' logs before applying it.",
        "See partition counts and sizes across all users, and how many LLM calls a rule will cost.",
      ]}
    />
  );
}
