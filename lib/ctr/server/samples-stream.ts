/**
 * GET /api/ctr/samples: the dataset as Arrow IPC (lib/ctr/arrow.ts: the partition-table
 * stream, then the samples stream in record batches), streamed in chunks with a
 * Content-Length so that the browser can show the transfer's progress. Provenance (cutoffs,
 * encoder, partition config, prompt) rides in the samples schema's metadata and in the
 * X-Liber-Ctr header.
 */
import { encodeDataset } from "../arrow";
import { asUnprocessable, cutoffOptions, type CtrDataQuery } from "./query";
import { CtrDataError, loadCtrSamples } from "./samples-store";

export const ARROW_STREAM_TYPE = "application/vnd.apache.arrow.stream";
const CHUNK = 256 * 1024;

export interface SamplesQuery extends CtrDataQuery {
  encoder?: number;
  history: number;
  partitions: number;
  allowLateEncoder?: boolean;
  /** the shuffled-across-users control's dataset instead (same samples, another user's partition vectors) */
  control?: "shuffled";
}

export function ctrSamplesBytes(query: SamplesQuery) {
  return asUnprocessable(async () => {
    const loaded = await loadCtrSamples({
      ...cutoffOptions(query),
      encoderVersionId: query.encoder,
      allowLateEncoder: query.allowLateEncoder,
      control: query.control,
      shape: { historyLength: query.history, maxPartitions: query.partitions },
    });
    const dataset = query.control ? loaded.controlDataset : loaded.dataset;
    if (!dataset) throw new CtrDataError(`no ${query.control} control dataset`);
    return { bytes: encodeDataset(dataset), provenance: loaded.provenance };
  });
}

export async function ctrSamplesResponse(query: SamplesQuery): Promise<Response> {
  const { bytes, provenance } = await ctrSamplesBytes(query);
  return arrowStreamResponse(bytes, {
    "x-liber-ctr": JSON.stringify({
      configId: provenance.configId,
      promptVersionId: provenance.promptVersionId,
      encoder: provenance.encoder,
    }),
  });
}

/** Encoded Arrow IPC bytes as a streamed response: chunks of 256 KB with a Content-Length (for progress). */
export function arrowStreamResponse(bytes: Uint8Array, headers: Record<string, string> = {}): Response {
  let offset = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.subarray(offset, offset + CHUNK));
      offset += CHUNK;
    },
  });
  return new Response(body, {
    headers: {
      "content-type": ARROW_STREAM_TYPE,
      "content-length": String(bytes.length),
      "cache-control": "no-store",
      ...headers,
    },
  });
}
