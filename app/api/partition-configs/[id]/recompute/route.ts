import { route } from "@/lib/auth/route";
import { recomputePartitions } from "@/lib/partitions/recompute";
import { configPathParams, recomputeBody } from "@/lib/partitions/schemas";

export const dynamic = "force-dynamic";

/** POST /api/partition-configs/{id}/recompute { users? }: replays the users' logs under this version, synchronously. */
export const POST = route(
  { access: "editor", params: configPathParams, body: recomputeBody },
  async ({ params, body }) => {
    const { users, partitions, events, durationMs } = await recomputePartitions(params.id, { users: body.users });
    return { users, partitions, events, durationMs };
  },
);
