/**
 * A value read from a file, a link or storage, as text for a message that
 * names it ("got …"). Never throws: String() throws on a record such as
 * {"toString": 0} read from JSON, and a refusal must not fail while it is
 * being worded. Long values are cut short. tfjs-free.
 */
export function valueText(value: unknown, most = 80): string {
  let text: string;
  if (typeof value !== 'object' || value === null) text = typeof value === 'symbol' ? (value.description ?? 'a symbol') : String(value);
  else {
    try {
      text = JSON.stringify(value) ?? (Array.isArray(value) ? 'a list' : 'a record');
    } catch {
      text = Array.isArray(value) ? 'a list' : 'a record';
    }
  }
  return text.length > most ? `${text.slice(0, most - 1)}…` : text;
}

/** A value as a refusal names it after "got": text in quotes, so the text "8" does not read as the number 8. */
export function gotText(value: unknown): string {
  return typeof value === 'string' ? `the text “${valueText(value)}”` : valueText(value);
}
