import { payloadTooLarge } from "./errors";

/** The largest JSON body any route reads (POST /api/behaviors documents the same limit). */
export const MAX_JSON_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Reads a request body, stopping as soon as it exceeds `maxBytes` (413): Content-Length is
 * checked first as a shortcut but not trusted, since a client may omit it or lie.
 */
export async function readBodyCapped(
  body: ReadableStream<Uint8Array> | null,
  contentLength: string | null,
  maxBytes = MAX_JSON_BODY_BYTES,
): Promise<Uint8Array> {
  const tooLarge = () => payloadTooLarge(`The request body is larger than ${maxBytes / (1024 * 1024)} MB.`);
  if (contentLength !== null && Number(contentLength) > maxBytes) throw tooLarge();
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
