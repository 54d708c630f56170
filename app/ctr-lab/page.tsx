import type { Metadata } from "next";
import { PlannedScreen } from "@/components/ui/planned-screen";

export const metadata: Metadata = { title: "CTR Lab" };

export default function CtrLabPage() {
  return (
    <PlannedScreen
      title="CTR Lab"
      summary="User Interest Fusion (UIF) in practice: CTR models with and without LIBER features, trained in the browser."
      features={[
        "Train a CTR model on a time-split of the log, with and without the fused interest vectors.",
        "Compare AUC, LogLoss and gAUC side by side, with no leakage from partitions sealed after a sample.",
        "Inspect per-user predictions where the LIBER features changed the ranking.",
      ]}
    />
  );
}
