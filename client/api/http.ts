import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { JsonBodyError, parseBoundedJson } from '../../core/shared/bounded-json';

/** Bodies above this are refused with 413 before they are read in full. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** An error that is the answer: its status and message go to the caller as JSON. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** An answer that is text of its own type (CSV, Markdown, a console page) rather than JSON, with the headers it needs. */
export class TextBody {
  constructor(
    readonly text: string,
    readonly contentType: string,
    readonly headers: OutgoingHttpHeaders = {},
  ) {}
}

/** Saved by the browser as a file named `name` (made of an incident id: only letters, digits, `_ . -` are kept). */
export const attachment = (name: string): OutgoingHttpHeaders => ({ 'content-disposition': `attachment; filename="klaxon-${name.replace(/[^\w.-]/g, '_').slice(0, 160)}"` });

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = body instanceof TextBody ? body.text : JSON.stringify(body);
  const type = body instanceof TextBody ? body.contentType : 'application/json; charset=utf-8';
  // Answers hold incidents and audit data: not kept in a browser's or a proxy's cache, not sniffed as another type.
  res.writeHead(status, { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...(body instanceof TextBody ? body.headers : {}), 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Reads the raw body (signatures are over the exact bytes), refusing more than `limit` bytes (MAX_BODY_BYTES unless a route takes less). */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) throw new HttpError(413, `body of ${declared} bytes exceeds the limit of ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `body exceeds the limit of ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Refuses a declared content type other than those expected (a missing one is tolerated). */
export function requireContentType(req: IncomingMessage, ...expected: string[]): void {
  const type = header(req, 'content-type');
  if (type && !expected.some((e) => type.toLowerCase().startsWith(e))) {
    throw new HttpError(415, `content-type must be ${expected.join(' or ')}, got "${type}"`);
  }
}

/** JSON a request carries (a body, a form field), its depth bounded: 400 naming what is wrong. */
export function parseRequestJson(text: string, what = 'the body'): unknown {
  try {
    return parseBoundedJson(text);
  } catch (err) {
    if (err instanceof JsonBodyError) throw new HttpError(400, `${what}: ${err.message}`);
    throw err;
  }
}
