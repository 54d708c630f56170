import type { Metadata } from "next";
import { PlannedScreen } from "@/components/ui/planned-screen";

export const metadata: Metadata = { title: "Jobs" };

export default function JobsPage() {
  return (
    <PlannedScreen
      title="Jobs"
      summary="Batch recomputation: partitioning, LLM summaries and fused vectors for many users at once."
      features={[
        "Start a recomputation for all users or a selection, with an estimate of LLM calls and cost.",
        "Follow progress live; see retrying calls apart from failed ones, with their errors.",
        "Cancel or resume a run, and see the token and cost accounting of past runs.",
      ]}
    />
  );
}
