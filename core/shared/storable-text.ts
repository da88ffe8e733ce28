/**
 * Text the audit ledger can never store: PostgreSQL's text and jsonb refuse NUL (U+0000), and
 * JSON with a lone UTF-16 surrogate is not Unicode at all. A request carrying either is refused
 * where it enters, naming the field, instead of reaching the append-only ledger.
 */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const isStorableText = (text: string): boolean => !UNSTORABLE.test(text);
