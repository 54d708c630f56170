import { route } from "@/lib/auth/route";
import { EXPORT_CONTENT_TYPES } from "@/lib/uif/export";
import { exportChunks, planExport } from "@/lib/uif/features";
import { exportQuery } from "@/lib/uif/schemas";

export const dynamic = "force-dynamic";

/**
 * GET /api/uif/export?asOf=&format=csv|jsonl|npy|parquet[&users=a,b]: the fused features of
 * every (or the listed) user at asOf, streamed as a file download. Column layout: lib/uif/export.ts.
 */
export const GET = route({ access: "viewer", query: exportQuery }, async ({ query }) => {
  const plan = await planExport(query); // validation and "not found" answer before the stream starts
  const chunks = exportChunks(plan, query.format);
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      } catch (err) {
        console.error("[uif] export failed:", err instanceof Error ? err.message : err);
        controller.error(err);
      }
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  const stamp = plan.ctx.asOf.toISOString().replace(/[:.]/g, "-");
  return new Response(stream, {
    headers: {
      "content-type": EXPORT_CONTENT_TYPES[query.format],
      "content-disposition": `attachment; filename="liber-features-${stamp}.${query.format}"`,
      "cache-control": "no-store",
    },
  });
});
