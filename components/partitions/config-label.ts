import type { PartitionConfigView } from "@/lib/partitions/api-client";

/** "default v3". */
export function configVersionLabel(c: Pick<PartitionConfigView, "name" | "version">): string {
  return `${c.name} v${c.version}`;
}
