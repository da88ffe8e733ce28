import { withKlaxon } from '@klaxon/next/server';
import { audit } from '../../../../lib/audit';
import { customersOf, type Customer } from '../../../../lib/customers';
import { APP, forwardedTenant } from '../../../../lib/tenant';

/**
 * The tenant's customers, audited and guarded: withKlaxon records every call (who, tenant,
 * route, how many records) and looks at the records before the response leaves. One of another
 * tenant is reported to Klaxon, a SEV1 since it reached the caller; `onViolation: 'block'`
 * would withhold the response instead (a neutral 502) and make it a near miss.
 */
const exportCustomers = withKlaxon(
  async (request: Request) => {
    const leak = new URL(request.url).searchParams.get('leak') === '1';
    return Response.json({ customers: customersOf(forwardedTenant(request.headers)!, leak) });
  },
  {
    app: APP,
    route: '/api/demo/export',
    audit,
    // The demo has no sign-in: every caller is the tenant's demo user.
    actor: (request: Request) => ({ id: 'demo-user', tenant: forwardedTenant(request.headers)! }),
    guard: {
      records: (body: unknown) => (body as { customers?: Customer[] }).customers ?? [],
      tenantOf: (record: unknown) => (record as Customer).tenant,
      onViolation: 'report',
    },
  },
);

/**
 * `GET /api/demo/export?tenant=acme`, with `&leak=1` for the demo's cross-tenant bug. A request
 * without a tenant is refused before anything is read (nobody to audit it under).
 */
export async function GET(request: Request): Promise<Response> {
  if (!forwardedTenant(request.headers)) return Response.json({ error: 'name a tenant: ?tenant=acme' }, { status: 400 });
  return exportCustomers(request, undefined);
}
