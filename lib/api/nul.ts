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
