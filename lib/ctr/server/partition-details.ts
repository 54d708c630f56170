/**
 * What the CTR Lab shows when the analyst hovers a partition in a user's attention weights:
 * the partition (user, seq, time span, sealed time) and the summary text that produced its
 * vector, with the provider and model that wrote it. With the samples' encoder and prompt
 * versions it is exactly the summary whose UIF vector the model read (the same row choice as
 * samples-store.ts: newest summary of that partition encoded by that encoder); without them,
 * or when the partition has no such vector, the newest successful summary of the partition's
 * current content.
 */
import { pool } from "../../db/client";

export interface CtrPartitionDetail {
  partitionId: number;
  userId: number;
  userExternalId: string;
  seq: number;
  startTs: string;
  endTs: string;
  sealedAt: string;
  events: number;
  summary: string | null;
  shift: string | null;
  provider: string | null;
  model: string | null;
  promptVersionId: number | null;
  summaryCreatedAt: string | null;
  /** "vector": the summary the encoder's vector was made from; "latest": newest ok summary; null: none */
  summarySource: "vector" | "latest" | null;
}

export async function ctrPartitionDetails(
  partitionIds: number[],
  options: { encoderVersionId?: number | null; promptVersionId?: number | null } = {},
): Promise<CtrPartitionDetail[]> {
  if (partitionIds.length === 0) return [];
  const { rows } = await pool().query<{
    id: number;
    user_id: number;
    external_id: string;
    seq: number;
    start_ts: Date;
    end_ts: Date;
    sealed_at_ts: Date;
    count: number;
    v_summary: string | null;
    v_shift: string | null;
    v_provider: string | null;
    v_model: string | null;
    v_prompt: number | null;
    v_created: Date | null;
    l_summary: string | null;
    l_shift: string | null;
    l_provider: string | null;
    l_model: string | null;
    l_prompt: number | null;
    l_created: Date | null;
  }>(
    `SELECT p.id, p.user_id, u.external_id, p.seq, p.start_ts, p.end_ts, p.sealed_at_ts, p.count,
            vs.summary AS v_summary, vs.shift AS v_shift, vs.provider AS v_provider, vs.model AS v_model,
            vs.prompt_version_id AS v_prompt, vs.created_at AS v_created,
            ls.summary AS l_summary, ls.shift AS l_shift, ls.provider AS l_provider, ls.model AS l_model,
            ls.prompt_version_id AS l_prompt, ls.created_at AS l_created
     FROM partitions p
     JOIN users u ON u.id = p.user_id
     LEFT JOIN LATERAL (
       SELECT s.summary, s.shift, s.provider, s.model, s.prompt_version_id, s.created_at
       FROM uif_partition_vectors v JOIN partition_summaries s ON s.id = v.summary_id
       WHERE $2::int IS NOT NULL AND v.encoder_version_id = $2 AND v.user_id = p.user_id
         AND v.config_id = p.config_id AND v.seq = p.seq AND v.text_kind = 'summary'
         AND ($3::int IS NULL OR v.prompt_version_id = $3)
       ORDER BY v.summary_created_at DESC LIMIT 1) vs ON true
     LEFT JOIN LATERAL (
       SELECT s.summary, s.shift, s.provider, s.model, s.prompt_version_id, s.created_at
       FROM partition_summaries s
       WHERE s.user_id = p.user_id AND s.config_id = p.config_id AND s.seq = p.seq
         AND s.partition_content_hash = p.content_hash AND s.status = 'ok'
         AND ($3::int IS NULL OR s.prompt_version_id = $3)
       ORDER BY s.created_at DESC LIMIT 1) ls ON vs.summary IS NULL
     WHERE p.id = ANY($1::int[])
     ORDER BY p.sealed_at_ts DESC, p.id`,
    [partitionIds, options.encoderVersionId ?? null, options.promptVersionId ?? null],
  );
  return rows.map((r) => {
    const fromVector = r.v_created !== null;
    const fromLatest = !fromVector && r.l_created !== null;
    return {
      partitionId: r.id,
      userId: r.user_id,
      userExternalId: r.external_id,
      seq: r.seq,
      startTs: r.start_ts.toISOString(),
      endTs: r.end_ts.toISOString(),
      sealedAt: r.sealed_at_ts.toISOString(),
      events: r.count,
      summary: fromVector ? r.v_summary : r.l_summary,
      shift: fromVector ? r.v_shift : r.l_shift,
      provider: fromVector ? r.v_provider : r.l_provider,
      model: fromVector ? r.v_model : r.l_model,
      promptVersionId: fromVector ? r.v_prompt : r.l_prompt,
      summaryCreatedAt: (fromVector ? r.v_created : r.l_created)?.toISOString() ?? null,
      summarySource: fromVector ? "vector" : fromLatest ? "latest" : null,
    };
  });
}
