/**
 * Reports as @klaxon/next sends them to `POST /v1/alerts/nextjs` (the issue 21 contract), each
 * well-formed, with fields replaced by `over` (a field set to undefined is left out when sent).
 */
export const nextjsError = (over: Record<string, unknown> = {}) => ({
  kind: 'error',
  app: 'acme-web',
  tenant: 'acme',
  surface: 'client-component',
  route: '/demo/client-error',
  release: 'abc123',
  requestId: 'req_01J:9',
  error: { name: 'TypeError', message: 'Cannot read properties of undefined (reading "email")', digest: '2817364', stack: 'TypeError: boom\n    at Profile (https://acme.example/_next/static/chunks/app/page.js?v=9f&token=abc:12:7)' },
  fingerprint: '3f2a9c0d1e4b5a6978c0d1e2f3a4b5c6',
  count: 1,
  firstSeen: '2026-11-24T09:59:00Z',
  lastSeen: '2026-11-24T09:59:30.250Z',
  ...over,
});

export const nextjsDataGuard = (over: Record<string, unknown> = {}) => ({
  kind: 'data-guard',
  app: 'acme-web',
  tenant: 'acme',
  route: '/api/demo/export',
  requestId: 'req-2',
  finding: 'cross-tenant',
  otherTenants: ['globex'],
  records: 3,
  action: 'reported',
  at: '2026-11-24T09:59:59Z',
  ...over,
});

export const nextjsCsp = (violations: unknown[], over: Record<string, unknown> = {}) => ({ kind: 'csp', app: 'acme-web', release: 'abc123', violations, from: '2026-11-24T09:55:00Z', until: '2026-11-24T10:00:00Z', ...over });
export const cspViolation = (directive: string, blockedHost: string, documentPath = '/checkout', count = 1) => ({ directive, blockedHost, documentPath, count });
