"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { ApiRequestError } from "@/lib/api/fetch-json";
import type { ConfigRef } from "@/lib/partitions/api-client";
import { queryKeys } from "@/lib/query-keys";
import { usersApi } from "@/lib/users/api-client";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState, ErrorState, Skeleton } from "@/components/ui/states";
import { SummariesSection } from "@/components/summaries/summaries-section";
import { RecomputeTrigger } from "@/components/jobs/recompute-trigger";
import { VectorsSection } from "@/components/uif/vectors-section";
import { ActivitySection } from "./activity-chart";
import { BehaviorLogSection } from "./behavior-log";
import { InterestTimelineSlot } from "./interest-timeline-slot";
import { cascadeSeqOf, pickFromCascade, type PartitionPick } from "./partition-pick";
import { ProfileCard } from "./profile-card";

/**
 * One user's page, top to bottom: profile, activity over time, the interest timeline
 * (partitions), the interest cascade (LLM summaries) and the raw behaviour log. The timeline
 * and the cascade share the partition config and the picked partition: a band picks its
 * card and a card picks its band.
 */
export function UserScreen({ externalId }: { externalId: string }) {
  const profile = useQuery({
    queryKey: queryKeys.users.detail(externalId),
    queryFn: () => usersApi.profile(externalId),
  });
  const [config, setConfig] = useState<ConfigRef>("active");
  const [pick, setPick] = useState<PartitionPick | null>(null);
  const chooseConfig = (next: ConfigRef) => {
    // Seqs number the partitions of one config: a pick means nothing under another.
    setPick(null);
    setConfig(next);
  };

  const back = (
    <Link href="/users" className="text-sm text-slate-500 hover:text-slate-900">
      ← All users
    </Link>
  );

  if (profile.isError) {
    const notFound = profile.error instanceof ApiRequestError && profile.error.status === 404;
    return (
      <>
        <div className="mb-3">{back}</div>
        {notFound ? (
          <EmptyState title={`No user with external id “${externalId}”`}>
            It may have been deleted, or the link is mistyped.{" "}
            <Link href="/users" className="font-medium text-sky-700 underline">
              Search the users
            </Link>
            .
          </EmptyState>
        ) : (
          <ErrorState title="Could not load this user" error={profile.error} onRetry={() => void profile.refetch()} />
        )}
      </>
    );
  }

  return (
    <>
      <div className="mb-3">{back}</div>
      <PageHeader
        title={
          <>
            <span className="font-normal text-slate-500">User </span>
            {externalId}
          </>
        }
        description="Profile, activity over time, partitions, summaries, vectors and the behaviour log. Times are UTC."
      />
      <div className="mb-4">
        <RecomputeTrigger
          label="Recompute this user…"
          what={`Repartition user ${externalId}'s log under the active config, then summarise and encode what changed, as a job.`}
          request={{ scope: { users: [externalId] }, config: "active", prompt: "production" }}
          defaultSteps={["repartition", "summarise", "encode", "fuse"]}
        />
      </div>
      {profile.isPending ? <ProfileSkeleton /> : <ProfileCard user={profile.data} />}
      <ActivitySection
        externalId={externalId}
        span={profile.data ? { first: profile.data.firstEventAt, last: profile.data.lastEventAt } : undefined}
      />
      <InterestTimelineSlot
        externalId={externalId}
        config={config}
        onConfigChange={chooseConfig}
        picked={pick}
        onPick={setPick}
      />
      <SummariesSection
        externalId={externalId}
        config={config}
        selectedSeq={cascadeSeqOf(pick)}
        onSelectSeq={(seq) => setPick(pickFromCascade(seq))}
      />
      {/* Vectors are made from the active config's partitions: a pick under another config means another partition. */}
      <VectorsSection
        externalId={externalId}
        selectedSeq={config === "active" ? cascadeSeqOf(pick) : null}
        onSelectSeq={
          config === "active" ? (seq) => setPick(pickFromCascade(seq === cascadeSeqOf(pick) ? null : seq)) : undefined
        }
      />
      <BehaviorLogSection externalId={externalId} />
    </>
  );
}

function ProfileSkeleton() {
  return (
    <div
      role="status"
      className="mb-8 grid gap-4 rounded-lg border border-slate-200 bg-white p-4 shadow-sm md:grid-cols-5"
    >
      <span className="sr-only">Loading profile…</span>
      {Array.from({ length: 5 }, (_, i) => (
        <div key={i}>
          <Skeleton className="mb-2 h-3 w-16" />
          <Skeleton className="h-5 w-24" />
        </div>
      ))}
    </div>
  );
}
