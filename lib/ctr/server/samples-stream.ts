/**
 * GET /api/ctr/samples: the dataset as Arrow IPC (lib/ctr/arrow.ts: the partition-table
 * stream, then the samples stream in record batches), streamed in chunks with a
 * Content-Length so that the browser can show the transfer's progress. Provenance (cutoffs,
 * encoder, partition config, prompt) rides in the samples schema's metadata and in the
 * X-Liber-Ctr header.
 */
import { unprocessable } from "../../api/errors";
import { encodeDataset } from "../arrow";
import { parseLabelRule } from "../samples";
import { CtrDataError, loadCtrSamples, type LoadSamplesOptions } from "./samples-store";

export const ARROW_STREAM_TYPE = "application/vnd.apache.arrow.stream";
const CHUNK = 256 * 1024;

export interface SamplesQuery {
  config?: string;
  encoder?: number;
  label: string;
  history: number;
  partitions: number;
  from?: Date;
  to?: Date;
  users?: string;
  allowLateEncoder?: boolean;
  /** the shuffled-across-users control's dataset instead (same samples, another user's partition vectors) */
  control?: "shuffled";
}

export async function ctrSamplesBytes(query: SamplesQuery) {
  let options: LoadSamplesOptions;
  try {
    options = {
      config: query.config,
      encoderVersionId: query.encoder,
      allowLateEncoder: query.allowLateEncoder,
      control: query.control,
      labelRule: parseLabelRule(query.label),
      shape: { historyLength: query.history, maxPartitions: query.partitions },
      from: query.from,
      to: query.to,
      users: query.users
        ?.split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    };
    const loaded = await loadCtrSamples(options);
    const dataset = query.control ? loaded.controlDataset : loaded.dataset;
    if (!dataset) throw new CtrDataError(`no ${query.control} control dataset`);
    return { bytes: encodeDataset(dataset), provenance: loaded.provenance };
  } catch (err) {
    if (err instanceof CtrDataError || (err instanceof Error && /label rule/.test(err.message)))
      throw unprocessable(err.message);
    throw err;
  }
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
