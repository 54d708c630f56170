import type { Metadata } from "next";
import { Suspense } from "react";
import { PartitionConfigsScreen } from "@/components/partition-configs/partition-configs-screen";
import { TableSkeleton } from "@/components/ui/states";

export const metadata: Metadata = { title: "Partitioning" };

export default function PartitioningPage() {
  return (
    <Suspense fallback={<TableSkeleton label="Loading partitioning…" columns={4} />}>
      <PartitionConfigsScreen />
    </Suspense>
  );
}
