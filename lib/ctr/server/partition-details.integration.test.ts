import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { GET } from "../../../app/api/ctr/partitions/route";
import { useTestDatabase } from "../../../test/db";
import { createApiToken } from "../../auth/api-tokens";
import { pool } from "../../db/client";
import { activateConfig, createConfigVersion } from "../../partitions/configs";
import { ingest, insertItems } from "../../partitions/test-helpers";
import { getLabelledPrompt } from "../../summaries/prompts";

useTestDatabase();

const DAY = 86_400_000;
const T0 = Date.UTC(2021, 0, 1);
const noParams = { params: Promise.resolve({}) };

describe("GET /api/ctr/partitions (the CTR Lab's hover over attention weights)", () => {
  it("returns the summary whose vector the model read, with provider, model and sealed time", async () => {
    const config = await createConfigVersion({ name: "ctrparts", config: { maxCount: 3 } });
    await activateConfig(config.id);
    await insertItems(Array.from({ length: 4 }, (_, i) => ({ externalId: `m${i}`, categories: ["g"] })));
    await ingest(
      Array.from({ length: 7 }, (_, k) => ({ user: "alice", item: `m${k % 4}`, ts: T0 + k * DAY, value: 4 })),
    );
    const { rows: parts } = await pool().query<{
      id: number;
      user_id: number;
      seq: number;
      content_hash: string;
      sealed_at_ts: Date;
    }>(`SELECT id, user_id, seq, content_hash, sealed_at_ts FROM partitions WHERE config_id = $1 ORDER BY seq`, [
      config.id,
    ]);
    expect(parts.length).toBeGreaterThanOrEqual(2);
    const [p1, p2] = parts as [(typeof parts)[0], (typeof parts)[0]];
    const prompt = (await getLabelledPrompt())!;
    const encoder = await pool().query<{ id: number }>(
      `INSERT INTO uif_encoder_versions (kind, version, dims, params) VALUES ('builtin', 'parts-test', 2, '{}') RETURNING id`,
    );
    const summary = async (p: typeof p1, text: string, provider: string, model: string, at: Date) =>
      (
        await pool().query<{ id: number; created_at: Date }>(
          `INSERT INTO partition_summaries (user_id, config_id, seq, partition_content_hash, prompt_version_id, provider, model, input_hash, previous_input_hash, status, summary, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', 'ok', $9, $10) RETURNING id, created_at`,
          [p.user_id, config.id, p.seq, p.content_hash, prompt.id, provider, model, `h-${text}`, text, at],
        )
      ).rows[0]!;
    // p1: the encoded summary is older than a later re-summary (the model read the older one)
    const encoded = await summary(
      p1,
      "Watched comedies, mostly at night.",
      "openai",
      "gpt-test",
      new Date(T0 + 30 * DAY),
    );
    await summary(p1, "A newer summary, not encoded yet.", "builtin", "builtin-v1", new Date(T0 + 40 * DAY));
    await pool().query(
      `INSERT INTO uif_partition_vectors (encoder_version_id, user_id, config_id, seq, sealed_at_ts, summary_id, prompt_version_id, input_hash, summary_created_at, text_kind, text_hash, vector)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'h', $8, 'summary', 't', $9)`,
      [
        encoder.rows[0]!.id,
        p1.user_id,
        config.id,
        p1.seq,
        p1.sealed_at_ts,
        encoded.id,
        prompt.id,
        encoded.created_at,
        Buffer.from(new Float32Array([1, 2]).buffer),
      ],
    );
    // p2 has no summary at all

    const { token } = await createApiToken({ name: "ctr-parts-viewer", role: "viewer", createdById: null });
    const get = (query: string, authorization = `Bearer ${token}`) =>
      GET(new NextRequest(`http://localhost/api/ctr/partitions?${query}`, { headers: { authorization } }), noParams);

    const res = await get(`ids=${p1.id},${p2.id}&encoder=${encoder.rows[0]!.id}&prompt=${prompt.id}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { partitions: Record<string, unknown>[] };
    const byId = new Map(body.partitions.map((p) => [p.partitionId, p]));
    expect(byId.get(p1.id)).toMatchObject({
      userExternalId: "alice",
      seq: p1.seq,
      sealedAt: p1.sealed_at_ts.toISOString(),
      summary: "Watched comedies, mostly at night.",
      provider: "openai",
      model: "gpt-test",
      summarySource: "vector",
    });
    expect(byId.get(p2.id)).toMatchObject({ summary: null, provider: null, summarySource: null });

    // without the encoder: the newest summary of the partition
    const latest = (await (await get(`ids=${p1.id}`)).json()) as { partitions: Record<string, unknown>[] };
    expect(latest.partitions[0]).toMatchObject({
      summary: "A newer summary, not encoded yet.",
      summarySource: "latest",
    });

    expect((await get(`ids=${p1.id}`, "")).status).toBe(401);
    expect((await get("ids=1,x")).status).toBe(422);
  });
});
