import { HttpError } from './http';

/** Paths longer than this are refused: no route needs a tenth of it (incident ids are short). */
export const MAX_PATH_LENGTH = 2048;

/** C0 and C1 controls and DEL: never part of a name, and able to forge lines in a log or a terminal. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * One path segment, percent-decoded; 400 naming the problem when it is not valid
 * percent-encoded UTF-8 or decodes to a control character. (Node's parser has already
 * refused raw control characters and non-ASCII bytes in the request line.)
 */
export function decodeSegment(raw: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, 'the request path is not valid percent-encoding (each % must start a %XX escape of UTF-8)');
  }
  if (CONTROL.test(decoded)) throw new HttpError(400, 'the request path holds a control character');
  return decoded;
}

/** Checks a whole request path before it is routed, so every route, known or not, answers a malformed one alike. */
export function checkPath(path: string): void {
  if (path.length > MAX_PATH_LENGTH) throw new HttpError(400, `the request path is longer than ${MAX_PATH_LENGTH} characters`);
  for (const segment of path.split('/')) decodeSegment(segment);
}
