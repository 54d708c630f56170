import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../../../test/db";
import { pool } from "../../db/client";
import { activateConfig, createConfigVersion } from "../../partitions/configs";
import { ingest, insertItems } from "../../partitions/test-helpers";
import { getLabelledPrompt } from "../../summaries/prompts";
import { decodeDataset } from "../arrow";
import { CtrDataError, loadCtrSamples } from "./samples-store";
import { ctrSamplesResponse } from "./samples-stream";

useTestDatabase();

const DAY = 86_400_000;
const T0 = Date.UTC(2021, 0, 1);

/**
 * Needs UIF's tables (uif_encoder_versions, uif_partition_vectors: branch uif, issue 11).
 * Until UIF is merged they do not exist in this branch's migrations and the test says so by
 * skipping; after the merge it runs.
 */
async function uifTablesExist(): Promise<boolean> {
  const { rows } = await pool().query(`SELECT to_regclass('uif_partition_vectors') IS NOT NULL AS ok`);
  return rows[0].ok as boolean;
}

function vectorBytes(values: number[]): Buffer {
  return Buffer.from(new Float32Array(values).buffer);
}

describe("loadCtrSamples over the database", () => {
  it("reads partition vectors sealed strictly before each sample, and refuses an encoder fitted after the cutoff", async (ctx) => {
    if (!(await uifTablesExist())) ctx.skip();
    const config = await createConfigVersion({ name: "ctrtest", config: { maxCount: 3 } });
    await activateConfig(config.id);
    await insertItems(Array.from({ length: 8 }, (_, i) => ({ externalId: `m${i}`, categories: [`g${i % 3}`] })));
    const events = [];
    for (const user of ["u1", "u2"]) {
      for (let k = 0; k < 15; k++)
        events.push({
          user,
          item: `m${(k * 3 + (user === "u2" ? 1 : 0)) % 8}`,
          ts: T0 + k * DAY + (user === "u2" ? 3600_000 : 0),
          value: 1 + (k % 5),
        });
    }
    await ingest(events);
    const { rows: parts } = await pool().query<{
      id: number;
      user_id: number;
      seq: number;
      content_hash: string;
      sealed_at_ts: Date;
    }>(
      `SELECT id, user_id, seq, content_hash, sealed_at_ts FROM partitions WHERE config_id = $1 ORDER BY user_id, seq`,
      [config.id],
    );
    expect(parts.length).toBeGreaterThanOrEqual(8);
    const prompt = (await getLabelledPrompt())!;
    const early = await pool().query<{ id: number }>(
      `INSERT INTO uif_encoder_versions (kind, version, dims, params, fitted_until) VALUES ('builtin', 'test-early', 3, '{}', $1) RETURNING id`,
      [new Date(T0)],
    );
    const late = await pool().query<{ id: number }>(
      `INSERT INTO uif_encoder_versions (kind, version, dims, params, fitted_until) VALUES ('builtin', 'test-late', 3, '{}', $1) RETURNING id`,
      [new Date(T0 + 100 * DAY)],
    );
    for (const p of parts) {
      const s = await pool().query<{ id: number; created_at: Date }>(
        `INSERT INTO partition_summaries (user_id, config_id, seq, partition_content_hash, prompt_version_id, provider, model, input_hash, previous_input_hash, status, summary)
         VALUES ($1, $2, $3, $4, $5, 'test', 'test', 'h' || $6, '', 'ok', 'text') RETURNING id, created_at`,
        [p.user_id, config.id, p.seq, p.content_hash, prompt.id, String(p.id)],
      );
      for (const [encoder, sign] of [
        [early.rows[0]!.id, 1],
        [late.rows[0]!.id, -1],
      ] as const) {
        await pool().query(
          `INSERT INTO uif_partition_vectors (encoder_version_id, user_id, config_id, seq, sealed_at_ts, summary_id, prompt_version_id, input_hash, summary_created_at, text_kind, text_hash, vector)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'h', $8, 'summary', 't', $9)`,
          [
            encoder,
            p.user_id,
            config.id,
            p.seq,
            p.sealed_at_ts,
            s.rows[0]!.id,
            prompt.id,
            s.rows[0]!.created_at,
            vectorBytes([sign * p.id, p.user_id, p.seq]),
          ],
        );
      }
    }

    const loaded = await loadCtrSamples({ shape: { historyLength: 4, maxPartitions: 3 } });
    expect(loaded.provenance.encoder?.id).toBe(early.rows[0]!.id); // the late one is not eligible
    expect(loaded.provenance.partitionVectors).toBe(parts.length);
    const d = loaded.dataset;
    expect(d.train.size + d.valid.size + d.test.size).toBe(30);
    let referenced = 0;
    for (const batch of [d.train, d.valid, d.test]) {
      for (let i = 0; i < batch.size; i++) {
        for (let j = 0; j < 3; j++) {
          const row = batch.partRows[i * 3 + j]!;
          if (row === 0) continue;
          referenced++;
          const partitionId = d.partitions.partitionIds[row]!;
          const p = parts.find((x) => x.id === partitionId)!;
          expect(p.sealed_at_ts.getTime()).toBeLessThan(batch.ts[i]!);
          expect(p.user_id).toBe(batch.userKey[i]);
          // the stored float32 bytes arrive intact
          expect(Array.from(d.partitions.vectors.subarray(row * 3, row * 3 + 3))).toEqual([p.id, p.user_id, p.seq]);
        }
      }
    }
    expect(referenced).toBeGreaterThan(0);

    // the same samples streamed as Arrow IPC (GET /api/ctr/samples) decode to the same dataset
    const response = await ctrSamplesResponse({ label: "rate>=4", history: 4, partitions: 3 });
    expect(response.headers.get("content-type")).toBe("application/vnd.apache.arrow.stream");
    const streamed = decodeDataset(new Uint8Array(await response.arrayBuffer()));
    expect(Array.from(streamed.test.partRows)).toEqual(Array.from(d.test.partRows));
    expect(Array.from(streamed.partitions.vectors)).toEqual(Array.from(d.partitions.vectors));

    await expect(loadCtrSamples({ encoderVersionId: late.rows[0]!.id })).rejects.toThrow(CtrDataError);
    const allowed = await loadCtrSamples({ encoderVersionId: late.rows[0]!.id, allowLateEncoder: true });
    expect(allowed.provenance.encoderFittedAfterCutoff).toBe(true);

    // allowLateEncoder without an explicit encoder: the leak-free one while it exists, else the late one
    expect((await loadCtrSamples({ allowLateEncoder: true })).provenance.encoder?.id).toBe(early.rows[0]!.id);
    await pool().query(`DELETE FROM uif_partition_vectors WHERE encoder_version_id = $1`, [early.rows[0]!.id]);
    expect((await loadCtrSamples({})).provenance.encoder).toBeNull();
    const fallback = await loadCtrSamples({ allowLateEncoder: true });
    expect(fallback.provenance.encoder?.id).toBe(late.rows[0]!.id);
    expect(fallback.provenance.encoderFittedAfterCutoff).toBe(true);

    // --fit-encoder: a builtin version fitted on exactly the texts sealed before the validation
    // cutoff, every summary encoded under it, and used; plus the shuffled control's dataset
    const fitted = await loadCtrSamples({
      shape: { historyLength: 4, maxPartitions: 3 },
      fitEncoder: true,
      control: "shuffled",
    });
    const cutoff = fitted.dataset.meta.cutoffs as { validFrom: string };
    expect(fitted.provenance.encoderFit?.fittedUntil).toBe(cutoff.validFrom);
    expect(fitted.provenance.encoder?.id).toBe(fitted.provenance.encoderFit?.id);
    expect(fitted.provenance.encoderFittedAfterCutoff).toBe(false);
    const { rows: fit } = await pool().query<{ fitted_until: Date; idf_documents: number }>(
      `SELECT fitted_until, idf_documents FROM uif_encoder_versions WHERE id = $1`,
      [fitted.provenance.encoderFit!.id],
    );
    expect(fit[0]!.fitted_until.toISOString()).toBe(cutoff.validFrom);
    const sealedBefore = parts.filter((p) => p.sealed_at_ts.getTime() < Date.parse(cutoff.validFrom)).length;
    expect(fit[0]!.idf_documents).toBe(sealedBefore); // one summary text each, no shift texts here
    expect(sealedBefore).toBeLessThan(parts.length);
    expect(fitted.provenance.partitionVectors).toBe(parts.length);
    const control = fitted.controlDataset!;
    expect(Array.from(control.test.label)).toEqual(Array.from(fitted.dataset.test.label));
    for (const batch of ["train", "valid", "test"] as const) {
      const own = fitted.dataset[batch];
      const other = control[batch];
      for (let k = 0; k < own.partRows.length; k++) {
        expect(other.partRows[k] === 0).toBe(own.partRows[k] === 0);
        if (own.partRows[k] === 0) continue;
        const owner = (d: typeof fitted.dataset, row: number) =>
          parts.find((p) => p.id === d.partitions.partitionIds[row])!.user_id;
        expect(owner(control, other.partRows[k]!)).not.toBe(owner(fitted.dataset, own.partRows[k]!));
      }
    }
    // a second fit as of the same cutoff reuses the stored version
    const again = await loadCtrSamples({ shape: { historyLength: 4, maxPartitions: 3 }, fitEncoder: true });
    expect(again.provenance.encoderFit).toMatchObject({ id: fitted.provenance.encoderFit!.id, created: false });
  });
});
