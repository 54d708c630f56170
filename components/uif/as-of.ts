// The as-of instant as the pickers hold it: the value of an <input type="datetime-local">
// read as UTC (every date on the dashboard is UTC), or "" for now.

/** "2018-03-01T12:30" (UTC) -> "2018-03-01T12:30:00.000Z"; "" or an invalid value -> undefined (now). */
export function asOfIso(inputValue: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(inputValue)) return undefined;
  const t = Date.parse(`${inputValue}${inputValue.length === 16 ? ":00" : ""}Z`);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** The input value (UTC, to the minute) of an instant. */
export function asOfInputValue(instant: Date | string): string {
  return new Date(instant).toISOString().slice(0, 16);
}

/** "now" or "2018-03-01 12:30 UTC", for sentences. */
export function asOfText(inputValue: string): string {
  const iso = asOfIso(inputValue);
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : "now";
}
