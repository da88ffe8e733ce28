/**
 * How deeply a JSON body Klaxon reads may nest (objects and arrays, the outermost counted).
 * No sender's real payload comes near it (Sentry's event alerts with stack frames, the deepest, nest about ten);
 * beyond it, the recursive code downstream (schemas, redaction, Temporal's payload
 * conversion) would spend the stack or fail in ways that look like an outage rather than
 * like the sender's mistake.
 */
export const MAX_JSON_DEPTH = 32;

/** A body that is not JSON, or nests deeper than allowed; the message names which, never quoting the body. */
export class JsonBodyError extends Error {
  override readonly name = 'JsonBodyError';
}

const OPEN = new Set(['{', '[']);
const CLOSE = new Set(['}', ']']);

/**
 * JSON.parse with the nesting depth bounded: one linear pass over the text counts brackets
 * outside strings before anything is built, so a body nested thousands deep costs no more
 * than its length. Every JSON body of the API goes through here.
 */
export function parseBoundedJson(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (OPEN.has(c)) {
      if (++depth > maxDepth) throw new JsonBodyError(`the JSON is nested deeper than ${maxDepth} levels`);
    } else if (CLOSE.has(c)) {
      depth--;
    }
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    // V8's message quotes the text around the fault, which may be personal data: keep only where it is.
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new JsonBodyError(`malformed JSON${at === undefined ? ' (it ends too early or is empty)' : ` at position ${at}`}`);
  }
}
