/**
 * The console's only way to the data: Klaxon's own REST API (`/v1/...`), on the session cookie.
 * Writes carry the session's CSRF token from `<meta name="klaxon-csrf">`; every refusal becomes
 * an ApiError with the API's own `error` message, so pages can say exactly what was refused.
 */

/** A non-2xx answer (or no answer at all: status 0), with the API's message. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }

  /** The session ended (expired, signed out elsewhere, revoked token): only signing in again helps. */
  get sessionEnded(): boolean {
    return this.status === 401;
  }
}

function csrfToken(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="klaxon-csrf"]')?.content ?? '';
}

/** The API's `{ error }`, or the status line when the body is not one (a proxy's page, say). */
async function errorOf(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`.trim();
  try {
    const body: unknown = await res.json();
    if (body && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string') message = (body as { error: string }).error;
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(res.status, message);
}

async function request<T>(path: string, init: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { credentials: 'same-origin', ...init, headers: { accept: 'application/json', ...init.headers } });
  } catch {
    throw new ApiError(0, 'Klaxon could not be reached; the console will try again.');
  }
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as T;
}

/** `GET path` (a `/v1/...` path with its query), answered as JSON. */
export function getJson<T>(path: string): Promise<T> {
  return request<T>(path, { method: 'GET' });
}

/** A write (`POST`, `PUT`) with a JSON body and the CSRF header the API requires of cookie sessions. */
function send<T>(method: 'POST' | 'PUT', path: string, body: unknown): Promise<T> {
  return request<T>(path, {
    method,
    headers: { 'content-type': 'application/json', 'x-klaxon-csrf': csrfToken() },
    body: JSON.stringify(body),
  });
}

export const postJson = <T>(path: string, body: unknown): Promise<T> => send<T>('POST', path, body);

/** `PUT path`: a post-incident review's findings replace those before them. */
export const putJson = <T>(path: string, body: unknown): Promise<T> => send<T>('PUT', path, body);

/** `/v1/incidents/<id>` and below: the id is outside text, always encoded as one path segment. */
export const incidentPath = (incidentId: string, rest = ''): string => `/v1/incidents/${encodeURIComponent(incidentId)}${rest}`;
