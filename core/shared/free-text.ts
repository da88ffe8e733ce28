// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import { redact } from './redaction';

/**
 * Text from outside before Klaxon keeps it: alert titles, keys and categories, and what people
 * type into Updates (notes, reasons). Every such field has a documented length, and no stored
 * text may hold what PostgreSQL's JSON refuses (NUL, a lone UTF-16 surrogate) or what has no
 * meaning in text and can rewrite a terminal or a log line (the other control characters).
 */
export const TEXT_LIMITS = {
  /** An alert's title (generic alerts are refused beyond it; other sources' titles are cut). */
  title: 500,
  dedupKey: 255,
  dataCategory: 64,
  /** Notes, reasons and every other string of an Update: what a Slack modal's text input holds. */
  updateText: 3000,
} as const;

// Tab, line feed and carriage return are text; every other C0 control, DEL and C1 is not.
const CONTROL = '\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f';
const LONE_SURROGATE = '[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';
/** No quantifier: each position is looked at once. */
const NOT_TEXT = new RegExp(`[${CONTROL}]|${LONE_SURROGATE}`);
const NOT_ONE_LINE = new RegExp(`[${CONTROL}\\t\\n\\r]|${LONE_SURROGATE}`);
const NOT_TEXT_ALL = new RegExp(NOT_TEXT.source, 'g');

const MAX_UPDATE_DEPTH = 32;

/** A field's text was refused: the 422 names the field and says why. */
export class TextFieldError extends Error {
  override readonly name = 'TextFieldError';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/** What is wrong with `text` for a field (undefined when nothing is). */
export function textProblem(text: string, limits: { max: number; oneLine?: boolean }): string | undefined {
  if (text.length > limits.max) return `is ${text.length} characters long; at most ${limits.max}`;
  const bad = (limits.oneLine ? NOT_ONE_LINE : NOT_TEXT).exec(text)?.[0];
  if (bad === undefined) return undefined;
  const code = `U+${bad.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  if (bad.length === 1 && bad >= '\ud800' && bad <= '\udfff') return `holds a lone surrogate (${code}), which is not Unicode text`;
  return `holds the control character ${code}${bad === '\0' ? ' (NUL)' : ''}, which has no place in ${limits.oneLine ? 'a one-line field' : 'text'}`;
}

/** Keeps what can be kept of text nobody can correct (an alert's details): what is not text becomes U+FFFD. */
export function sanitiseText(text: string): string {
  return text.replace(NOT_TEXT_ALL, '\ufffd');
}

/**
 * Checks every string of an Update's argument (names, ids, notes, reasons), naming the first
 * bad one by its path (`reason`, `by.responder`, `outstanding.1`). The workflow's validators
 * and the client both run it: nothing that blocks the ledger reaches an incident.
 */
export function checkUpdateText(value: unknown, path = '', depth = 0): void {
  const here = path || 'text';
  if (typeof value === 'string') {
    const problem = textProblem(value, { max: TEXT_LIMITS.updateText });
    if (problem) throw new TextFieldError(here, problem);
  } else if (value && typeof value === 'object') {
    // Deeper than any message Klaxon defines: refused as it is, not walked.
    if (depth >= MAX_UPDATE_DEPTH) throw new TextFieldError(here, `is nested deeper than ${MAX_UPDATE_DEPTH} levels`);
    for (const [k, v] of Object.entries(value)) {
      const at = `${path}${path ? '.' : ''}${k}`;
      const keyProblem = textProblem(k, { max: TEXT_LIMITS.dataCategory, oneLine: true });
      if (keyProblem) throw new TextFieldError(`${at} (a key)`, keyProblem);
      checkUpdateText(v, at, depth + 1);
    }
  }
}

/**
 * The fields of Update arguments that are free text people type (a note, a reason, what a
 * filing still lacks): redacted before the Update leaves for Temporal, like an alert's title.
 * Names, ids, references and instants are not free text and are kept as given.
 */
export const UPDATE_FREE_TEXT = ['note', 'reason', 'reasons', 'reasonsForDelay', 'outstanding'] as const;

export function redactUpdateText<T>(arg: T): T {
  if (!arg || typeof arg !== 'object' || Array.isArray(arg)) return arg;
  const out: Record<string, unknown> = { ...(arg as Record<string, unknown>) };
  for (const field of UPDATE_FREE_TEXT) {
    const v = out[field];
    if (typeof v === 'string') out[field] = redact(v);
    else if (Array.isArray(v)) out[field] = v.map((x) => (typeof x === 'string' ? redact(x) : x));
  }
  return out as T;
}

/** A title cut to TEXT_LIMITS.title, as sources always cut it. */
export function cutTitle(title: string): string {
  if (title.length <= TEXT_LIMITS.title) return title;
  // Never cut a surrogate pair in two: half of one is not text.
  const end = /[\ud800-\udbff]/.test(title[TEXT_LIMITS.title - 1]) ? TEXT_LIMITS.title - 1 : TEXT_LIMITS.title;
  return title.slice(0, end);
}
