/** A customer record of the demo's one table: every record belongs to a tenant. */
export interface Customer {
  id: string;
  tenant: string;
  company: string;
  plan: string;
}

const CUSTOMERS: Customer[] = [
  { id: 'c-101', tenant: 'acme', company: 'Road Runner Logistics', plan: 'enterprise' },
  { id: 'c-102', tenant: 'acme', company: 'Coyote Engineering', plan: 'team' },
  { id: 'c-201', tenant: 'globex', company: 'Hank Scorpio Holdings', plan: 'enterprise' },
];

/**
 * The tenant's customers. `leak` is the demo's bug, the dossiers' cross-tenant pattern: a
 * query that forgets its tenant filter for one row and adds another tenant's record.
 */
export function customersOf(tenant: string, leak: boolean): Customer[] {
  const own = CUSTOMERS.filter((c) => c.tenant === tenant);
  const other = CUSTOMERS.find((c) => c.tenant !== tenant);
  return leak && other ? [...own, other] : own;
}
