/**
 * Reads a streamed Arrow IPC dataset (GET /api/ctr/samples) from a fetch Response, reporting
 * the transfer's progress (bytes received of Content-Length) as chunks arrive, then decodes
 * it. Browser and Node alike (web streams); for the CTR Lab's worker.
 */
import { decodeDataset } from "./arrow";
import type { CtrDataset } from "./schema";

export interface TransferProgress {
  received: number;
  /** null when the server sent no Content-Length */
  total: number | null;
}

export async function readDatasetResponse(
  response: Response,
  onProgress?: (p: TransferProgress) => void,
): Promise<CtrDataset> {
  if (!response.ok)
    throw new Error(`samples request failed: HTTP ${response.status} ${await response.text().catch(() => "")}`.trim());
  if (!response.body) throw new Error("samples response has no body");
  const header = response.headers.get("content-length");
  const total = header !== null && /^\d+$/.test(header) ? Number(header) : null;
  const chunks: Uint8Array[] = [];
  let received = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    onProgress?.({ received, total });
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.length;
  }
  return decodeDataset(bytes);
}
