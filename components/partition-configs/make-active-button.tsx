"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { partitionsApi, type PartitionConfigView } from "@/lib/partitions/api-client";
import { queryKeys } from "@/lib/query-keys";
import { configVersionLabel } from "@/components/partitions/config-label";
import { ConfirmDialog } from "./confirm-dialog";

/** "Make active", behind a confirmation: the active version is what ingestion and the UI use. */
export function MakeActiveButton({
  config,
  size = "sm",
}: {
  config: Pick<PartitionConfigView, "id" | "name" | "version">;
  size?: "sm" | "md";
}) {
  const [confirming, setConfirming] = useState(false);
  const queryClient = useQueryClient();
  const activate = useMutation({
    mutationFn: () => partitionsApi.activate(config.id),
    onSuccess: async () => {
      setConfirming(false);
      await queryClient.invalidateQueries({ queryKey: queryKeys.partitions.all });
    },
  });
  const label = configVersionLabel(config);
  return (
    <>
      <button
        type="button"
        onClick={() => {
          activate.reset();
          setConfirming(true);
        }}
        aria-label={`Make ${label} active`}
        className={`rounded-md border border-slate-300 bg-white font-medium text-slate-700 hover:bg-slate-50 ${size === "sm" ? "px-2 py-0.5 text-xs" : "px-3 py-1.5 text-sm"}`}
      >
        Make active
      </button>
      {confirming && (
        <ConfirmDialog
          title={`Make ${label} active?`}
          confirmLabel="Make active"
          busy={activate.isPending}
          error={activate.error?.message}
          onConfirm={() => activate.mutate()}
          onCancel={() => setConfirming(false)}
        >
          New behaviours will be partitioned with {label}, and user pages will show its partitions by default. The
          previous version and its partitions are kept; you can switch back at any time.
        </ConfirmDialog>
      )}
    </>
  );
}
