import type { Metadata } from "next";
import { Suspense } from "react";
import { TableSkeleton } from "@/components/ui/states";
import { UsersScreen } from "@/components/users/users-screen";

export const metadata: Metadata = { title: "Users" };

// The screen reads search, sort and page from the URL: a client boundary under Suspense.
export default function UsersPage() {
  return (
    <Suspense fallback={<TableSkeleton label="Loading users…" columns={5} />}>
      <UsersScreen />
    </Suspense>
  );
}
