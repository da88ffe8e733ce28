// Edge-safe: shared by the middleware and the server side.

/** The request id the middleware gives every request, on the response and forwarded to the app. */
export const REQUEST_ID_HEADER = 'x-request-id';
/** The tenant the middleware resolved, forwarded to the app (a client's own value is replaced or removed). */
export const TENANT_HEADER = 'x-klaxon-tenant';

/** What a request id may hold as it travels into Klaxon's labels (the wire format's rule). */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request id the middleware set, if the request carries a well-formed one. */
export function requestIdOf(request: Request): string | undefined {
  const id = request.headers.get(REQUEST_ID_HEADER) ?? undefined;
  return id !== undefined && REQUEST_ID_PATTERN.test(id) ? id : undefined;
}
