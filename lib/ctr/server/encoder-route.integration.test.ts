import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it } from "vitest";
import { GET as encoderStatus, POST as fitEncoder } from "../../../app/api/ctr/encoder/route";
import { useTestDatabase } from "../../../test/db";
import { createApiToken } from "../../auth/api-tokens";
import { pool } from "../../db/client";
import { activateConfig, createConfigVersion } from "../../partitions/configs";
import { ingest, insertItems } from "../../partitions/test-helpers";
import { getLabelledPrompt } from "../../summaries/prompts";
import type { CtrEncoderFit, CtrEncoderStatus } from "../contract";
import { decodeDataset } from "../arrow";
import { loadCtrSamples } from "./samples-store";
import { ctrSamplesResponse } from "./samples-stream";

useTestDatabase();

const DAY = 86_400_000;
const T0 = Date.UTC(2021, 0, 1);
const URL_ENCODER = "http://localhost/api/ctr/encoder";
const noParams = { params: Promise.resolve({}) };
const auth: Record<"viewer" | "editor", string> = { viewer: "", editor: "" };

const get = (role: "viewer" | "editor", query = "label=rate%3E%3D4") =>
  encoderStatus(new NextRequest(`${URL_ENCODER}?${query}`, { headers: { authorization: auth[role] } }), noParams);
const post = (role: "viewer" | "editor", body: unknown) =>
  fitEncoder(
    new NextRequest(URL_ENCODER, {
      method: "POST",
      headers: { authorization: auth[role], "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
    noParams,
  );

let lateId = 0;

// Two users' ratings over 30 days, partitions of 3, a summary per partition, and (like the demo
// database) one encoder fitted after every summary, with vectors.
beforeAll(async () => {
  for (const role of ["viewer", "editor"] as const) {
    const { token } = await createApiToken({ name: `ctr-encoder-${role}`, role, createdById: null });
    auth[role] = `Bearer ${token}`;
  }
  const config = await createConfigVersion({ name: "ctrenc", config: { maxCount: 3 } });
  await activateConfig(config.id);
  await insertItems(Array.from({ length: 8 }, (_, i) => ({ externalId: `m${i}`, categories: [`g${i % 3}`] })));
  const events = [];
  for (const user of ["u1", "u2"])
    for (let k = 0; k < 30; k++)
      events.push({ user, item: `m${(k * 3 + (user === "u2" ? 1 : 0)) % 8}`, ts: T0 + k * DAY, value: 1 + (k % 5) });
  await ingest(events);
  const prompt = (await getLabelledPrompt())!;
  const { rows: parts } = await pool().query<{
    user_id: number;
    seq: number;
    content_hash: string;
    sealed_at_ts: Date;
  }>(`SELECT user_id, seq, content_hash, sealed_at_ts FROM partitions WHERE config_id = $1 ORDER BY user_id, seq`, [
    config.id,
  ]);
  const late = await pool().query<{ id: number }>(
    `INSERT INTO uif_encoder_versions (kind, version, dims, params, fitted_until) VALUES ('builtin', 'test-late', 3, '{}', $1) RETURNING id`,
    [new Date(T0 + 100 * DAY)],
  );
  lateId = late.rows[0]!.id;
  for (const p of parts) {
    const s = await pool().query<{ id: number; created_at: Date }>(
      `INSERT INTO partition_summaries (user_id, config_id, seq, partition_content_hash, prompt_version_id, provider, model, input_hash, previous_input_hash, status, summary)
       VALUES ($1, $2, $3, $4, $5, 'test', 'test', $6, '', 'ok', $7) RETURNING id, created_at`,
      [
        p.user_id,
        config.id,
        p.seq,
        p.content_hash,
        prompt.id,
        `h${p.user_id}-${p.seq}`,
        `user ${p.user_id} likes genre g${p.seq % 3} and era ${p.seq}`,
      ],
    );
    await pool().query(
      `INSERT INTO uif_partition_vectors (encoder_version_id, user_id, config_id, seq, sealed_at_ts, summary_id, prompt_version_id, input_hash, summary_created_at, text_kind, text_hash, vector)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'h', $8, 'summary', 't', $9)`,
      [
        lateId,
        p.user_id,
        config.id,
        p.seq,
        p.sealed_at_ts,
        s.rows[0]!.id,
        prompt.id,
        s.rows[0]!.created_at,
        Buffer.from(new Float32Array([1, 2, 3]).buffer),
      ],
    );
  }
});

describe("GET/POST /api/ctr/encoder", () => {
  it("says there is no leak-free encoder, lets an editor (not a viewer) fit one as of the validation cutoff, and the samples then read it", async () => {
    const before = await get("viewer");
    expect(before.status).toBe(200);
    const status = (await before.json()) as CtrEncoderStatus;
    expect(status.leakFree).toBeNull();
    expect(status.late?.id).toBe(lateId);
    expect(status.validFrom).not.toBeNull();
    // what the Lab would train on today: nothing leak-free
    expect((await loadCtrSamples({})).provenance.encoder).toBeNull();

    // viewers may not fit
    expect((await post("viewer", { label: "rate>=4" })).status).toBe(403);
    // zod: unknown keys and a bad label rule are refused
    expect((await post("editor", { label: "rate>=4", encoder: 1 })).status).toBe(422);
    expect((await post("editor", { label: "nonsense rule !!" })).status).toBe(422);

    const res = await post("editor", { label: "rate>=4" });
    expect(res.status).toBe(200);
    const { fit, status: after } = (await res.json()) as { fit: CtrEncoderFit; status: CtrEncoderStatus };
    expect(fit.created).toBe(true);
    expect(fit.fittedUntil).toBe(status.validFrom);
    expect(after.leakFree?.id).toBe(fit.id);
    expect(after.leakFree?.fittedUntil).toBe(status.validFrom);
    const { rows } = await pool().query<{ fitted_until: Date; created_by: string | null }>(
      `SELECT fitted_until, created_by FROM uif_encoder_versions WHERE id = $1`,
      [fit.id],
    );
    expect(rows[0]!.fitted_until.toISOString()).toBe(status.validFrom);
    expect(fit.encoded).toBeGreaterThan(0);

    // the samples of the same settings read it now, without allowing a late encoder
    const loaded = await loadCtrSamples({});
    expect(loaded.provenance.encoder?.id).toBe(fit.id);
    expect(loaded.provenance.encoderFittedAfterCutoff).toBe(false);
    expect(loaded.provenance.partitionVectors).toBeGreaterThan(0);
    expect((await (await get("viewer")).json()).leakFree.id).toBe(fit.id);

    // the shuffled control as streamed to the Lab: the same samples, every filled slot holding another user's partition
    const own = decodeDataset(
      new Uint8Array(await (await ctrSamplesResponse({ label: "rate>=4", history: 4, partitions: 3 })).arrayBuffer()),
    );
    const control = decodeDataset(
      new Uint8Array(
        await (
          await ctrSamplesResponse({ label: "rate>=4", history: 4, partitions: 3, control: "shuffled" })
        ).arrayBuffer(),
      ),
    );
    const owners = new Map(
      (await pool().query<{ id: number; user_id: number }>(`SELECT id, user_id FROM partitions`)).rows.map((r) => [
        r.id,
        r.user_id,
      ]),
    );
    let swapped = 0;
    for (const split of ["train", "valid", "test"] as const) {
      expect(Array.from(control[split].label)).toEqual(Array.from(own[split].label));
      expect(Array.from(control[split].ts)).toEqual(Array.from(own[split].ts));
      for (let k = 0; k < own[split].partRows.length; k++) {
        expect(control[split].partRows[k] === 0).toBe(own[split].partRows[k] === 0);
        if (own[split].partRows[k] === 0) continue;
        const ownerOf = (d: typeof own, row: number) => owners.get(d.partitions.partitionIds[row]!);
        expect(ownerOf(control, control[split].partRows[k]!)).not.toBe(ownerOf(own, own[split].partRows[k]!));
        swapped++;
      }
    }
    expect(swapped).toBeGreaterThan(0);

    // a second fit reuses the stored version
    const again = (await (await post("editor", { label: "rate>=4" })).json()) as { fit: CtrEncoderFit };
    expect(again.fit).toMatchObject({ id: fit.id, created: false });

    // another range has another cutoff: that encoder is still leak-free there only if fitted before it
    const narrow = (await (
      await get("viewer", `label=rate%3E%3D4&to=${new Date(T0 + 10 * DAY).toISOString()}`)
    ).json()) as CtrEncoderStatus;
    expect(Date.parse(narrow.validFrom!)).toBeLessThan(Date.parse(status.validFrom!));
    expect(narrow.leakFree).toBeNull();
    // a range without behaviours: 422
    expect((await get("viewer", "label=rate%3E%3D4&from=2030-01-01")).status).toBe(422);
  });
});
