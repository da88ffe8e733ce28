import { headers } from 'next/headers';
import { forwardedTenant } from '../lib/tenant';

/** Each tenant's home page: what the proxy serves, or refuses with a 503 while the tenant is isolated. */
export default async function Home() {
  const tenant = forwardedTenant(await headers());
  return (
    <main>
      <h1>{tenant ? `Welcome, ${tenant}` : 'Welcome'}</h1>
      <p data-tenant={tenant ?? ''}>{tenant ? `You are signed in to the ${tenant} workspace.` : 'Add ?tenant=acme or ?tenant=globex to the address to pick a workspace.'}</p>
      <ul>
        <li><a href={`/demo/client-error${tenant ? `?tenant=${encodeURIComponent(tenant)}` : ''}`}>A page whose component throws</a></li>
        <li><a href={`/api/demo/export?tenant=${encodeURIComponent(tenant ?? 'acme')}`}>Export customers</a> (add &amp;leak=1 for the cross-tenant bug)</li>
      </ul>
    </main>
  );
}
