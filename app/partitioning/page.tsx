import type { Metadata } from "next";
import { Suspense } from "react";
import { PartitioningScreen } from "@/components/partitioning/partitioning-screen";
import { TableSkeleton } from "@/components/ui/states";

export const metadata: Metadata = { title: "Partitioning" };

export default function PartitioningPage() {
  return (
    <Suspense fallback={<TableSkeleton label="Loading partitioning…" columns={4} />}>
      <PartitioningScreen />
    </Suspense>
  );
}
