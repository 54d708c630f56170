import type { Metadata } from "next";
import { Suspense } from "react";
import { ImportsScreen } from "@/components/imports/imports-screen";
import { TableSkeleton } from "@/components/ui/states";

export const metadata: Metadata = { title: "Imports" };

export default function ImportsPage() {
  return (
    <Suspense fallback={<TableSkeleton label="Loading import runs…" columns={8} rows={6} />}>
      <ImportsScreen />
    </Suspense>
  );
}
