import type { Metadata } from "next";
import { Suspense } from "react";
import { JobsScreen } from "@/components/jobs/jobs-screen";
import { TableSkeleton } from "@/components/ui/states";

export const metadata: Metadata = { title: "Jobs" };

export default function JobsPage() {
  return (
    <Suspense fallback={<TableSkeleton label="Loading job runs…" columns={6} rows={4} />}>
      <JobsScreen />
    </Suspense>
  );
}
