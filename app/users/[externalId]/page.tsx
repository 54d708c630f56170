import type { Metadata } from "next";
import { Suspense } from "react";
import { TableSkeleton } from "@/components/ui/states";
import { UserScreen } from "@/components/users/user-screen";

type Props = { params: Promise<{ externalId: string }> };

/**
 * The segment is the user's external id, URL-encoded (see userPageHref). Next 16.4 hands it
 * to the page still encoded but to generateMetadata already decoded (measured), so decode
 * leniently: a value that is not valid percent-encoding is taken as it is.
 */
function segmentValue(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `User ${segmentValue((await params).externalId)}` };
}

export default async function UserPage({ params }: Props) {
  const externalId = segmentValue((await params).externalId);
  return (
    <Suspense fallback={<TableSkeleton label="Loading user…" columns={4} />}>
      <UserScreen externalId={externalId} />
    </Suspense>
  );
}
