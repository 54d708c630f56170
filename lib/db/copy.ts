/** Values for COPY ... FROM STDIN in text format (the bulk write paths of ingest and partitions). */
const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIAL_ALL = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** A text value for COPY ... FROM STDIN (text format); null is \N. */
export function copyText(value: string | null | undefined): string {
  if (value === null || value === undefined) return "\\N";
  return COPY_SPECIAL.test(value) ? value.replace(COPY_SPECIAL_ALL, (c) => COPY_ESCAPES[c]!) : value;
}

export function copyNumber(value: number | null | undefined): string {
  return value === null || value === undefined ? "\\N" : String(value);
}

/** A PostgreSQL text[] literal with every element quoted, e.g. {"a","b \\"c\\""}. */
export function textArrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(",")}}`;
}
