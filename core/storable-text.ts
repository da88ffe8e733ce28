/**
 * Text the audit ledger can never store: PostgreSQL's text and jsonb refuse NUL (U+0000), and
 * JSON with a lone UTF-16 surrogate is not Unicode at all. A request carrying either is refused
 * where it enters, naming the field, instead of reaching the append-only ledger.
 */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const isStorableText = (text: string): boolean => !UNSTORABLE.test(text);

/** Deeper than any message Klaxon defines: deeper input is refused as it is, not walked. */
const MAX_DEPTH = 32;

/**
 * The path (`by.responder`, `outstanding[2]`, a key itself) of the first string in `value` the
 * ledger cannot store, or undefined when every one can.
 */
export function unstorableTextAt(value: unknown, path = '', depth = 0): string | undefined {
  const here = path || '(the value)';
  if (typeof value === 'string') return isStorableText(value) ? undefined : here;
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= MAX_DEPTH) return here;
  const entries: Array<[string, unknown]> = Array.isArray(value) ? value.map((v, i) => [`${path}[${i}]`, v]) : Object.entries(value).map(([k, v]) => [path ? `${path}.${k}` : k, v]);
  if (!Array.isArray(value)) for (const k of Object.keys(value)) if (!isStorableText(k)) return `${here} (a key)`;
  for (const [p, v] of entries) {
    const found = unstorableTextAt(v, p, depth + 1);
    if (found) return found;
  }
  return undefined;
}
