/**
 * PostgreSQL text and jsonb cannot hold U+0000 ("\u0000" is valid JSON), so a request carrying
 * one would fail in the database with a 500. Bodies are checked up front instead, and the
 * caller is told where the character is.
 */
export const NUL_MESSAGE = "contains a NUL character (U+0000), which cannot be stored";

/** The path ("a.b.0", "" for the value itself) of the first string or key holding U+0000, or null. */
export function findNul(value: unknown, path = ""): string | null {
  if (typeof value === "string") return value.includes("\u0000") ? path : null;
  if (typeof value !== "object" || value === null) return null;
  for (const [key, child] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (key.includes("\u0000")) return at;
    const found = findNul(child, at);
    if (found !== null) return found;
  }
  return null;
}

/** U+0000, or a UTF-16 surrogate without its partner (JSON can carry one as "\ud800"). */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Text that PostgreSQL text and jsonb can hold and that survives any UTF-8 encoder: U+0000 and
 * lone surrogates are written as the escapes "\u0000", "\ud800" (visible, six characters).
 * Idempotent. Every error text that quotes user input goes through this before it is stored
 * or returned, so that the answer and the stored record say the same thing.
 */
export function safeText(text: string): string {
  return text.replace(UNSTORABLE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** safeText applied to every string (and key) inside a JSON-like value. */
export function safeTexts<T>(value: T): T {
  if (typeof value === "string") return safeText(value) as T;
  if (Array.isArray(value)) return value.map(safeTexts) as T;
  if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [safeText(k), safeTexts(v)])) as T;
  }
  return value;
}
