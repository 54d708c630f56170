import { createHash } from "node:crypto";

/**
 * A text encoder: texts in, one L2-normalised Float32Array of `dims` numbers per text out.
 * `id` names the family (builtin, openai), `version` identifies exactly what makes the
 * numbers (params, fitted statistics, model): vectors of two versions are never compared.
 */
export interface Encoder {
  readonly id: string;
  readonly version: string;
  readonly dims: number;
  encode(texts: readonly string[]): Promise<Float32Array[]>;
}

/** Short content hash for versions: sha256 over a canonical JSON (sorted keys) and extra bytes. */
export function contentHash(value: unknown, extra?: Uint8Array, length = 12): string {
  const h = createHash("sha256").update(canonicalJson(value));
  if (extra) h.update(extra);
  return h.digest("hex").slice(0, length);
}

/** sha256 of a text (hex), the key under which vectors and embeddings are deduplicated. */
export function textHash(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) && !ArrayBuffer.isView(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/** In place; a zero vector stays zero. Returns the vector. */
export function l2Normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  if (sum > 0) {
    const inv = 1 / Math.sqrt(sum);
    for (let i = 0; i < v.length; i++) v[i]! *= inv;
  }
  return v;
}

/** Little-endian float32 bytes (the bytea layout of stored vectors). */
export function vectorToBytes(v: Float32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
  const out = Buffer.allocUnsafe(v.length * 4);
  for (let i = 0; i < v.length; i++) out.writeFloatLE(v[i]!, i * 4);
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export function bytesToVector(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0)
    throw new RangeError(`vector bytes: length ${bytes.byteLength} is not a multiple of 4`);
  // Fast path: a copy (aligned, as Float32Array needs) read in the host's order, which is the stored one.
  if (LITTLE_ENDIAN) return new Float32Array(Uint8Array.prototype.slice.call(bytes).buffer);
  const n = bytes.byteLength / 4;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** A vector as base64 of its float32 little-endian bytes (the compact wire form). */
export function vectorToBase64(v: ArrayLike<number>): string {
  return vectorToBytes(v instanceof Float32Array ? v : Float32Array.from(v)).toString("base64");
}
