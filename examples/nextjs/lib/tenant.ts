import type { NextRequest } from 'next/server';

/** The name this app reports under in Klaxon (the `app` of every alert it sends). */
export const APP = 'klaxon-example';

/**
 * Which tenant a request is for. A DEMO RULE, so a test (or you, in a browser) can be any tenant
 * at will: `?tenant=`, else an `x-tenant` header, else a `tenant` cookie (standing in for a
 * session: it also names the tenant of the browser's own requests, such as the error boundary's
 * report). A real app takes the tenant from what the browser cannot choose: the signed-in
 * session, or the host name (acme.example.com).
 */
export function tenantOf(request: NextRequest): string | undefined {
  return request.nextUrl.searchParams.get('tenant') ?? request.headers.get('x-tenant') ?? request.cookies.get('tenant')?.value ?? undefined;
}

/** The tenant the proxy resolved for this request (it forwards it to the app as a request header). */
export function forwardedTenant(headers: Headers): string | undefined {
  return headers.get('x-klaxon-tenant') ?? undefined;
}
