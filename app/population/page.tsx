import type { Metadata } from "next";
import { Suspense } from "react";
import { TableSkeleton } from "@/components/ui/states";
import { PopulationScreen } from "@/components/uif/population-screen";

export const metadata: Metadata = { title: "Population" };

// The screen reads the selected user from the URL (?user=): a client boundary under Suspense.
export default function PopulationPage() {
  return (
    <Suspense fallback={<TableSkeleton label="Loading the population…" columns={3} />}>
      <PopulationScreen />
    </Suspense>
  );
}
