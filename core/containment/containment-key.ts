import { isValidTenant } from '../alerts/tenant-name';
import type { ContainmentKind } from './containment';

/** Edge Config's limit on a key's length (its alphabet is letters, digits, "_" and "-"). */
export const CONTAINMENT_KEY_MAX_LENGTH = 256;

/**
 * The name of the state a containment action sets, per tenant and kind: an Edge Config item
 * (what a Next.js middleware reads), a column of the postgres adapter's table.
 *
 * Tenant names may hold "." and "_", which an Edge Config key cannot tell apart if both became
 * "_" (`acme.eu` and `acme_eu` would share one item, and one tenant's undo would lift the
 * other's isolation). So "_" is an escape character: every character other than a letter, a
 * digit or "-" is written as "_" and its code in two hex digits ("." is `_2e`, "_" is `_5f`),
 * the rest stands for itself. Tenant names are ASCII (isValidTenant), so two digits always
 * suffice and the encoding is injective; the kind follows after a plain "_" and starts with
 * a letter, never a hex digit pair, so key → (tenant, kind) reads back one way only. A
 * tenant of letters, digits and "-" keeps its readable key, `klaxon_tenant_acme_isolate-tenant`.
 */
export function containmentKey(tenant: string, kind: ContainmentKind): string {
  if (tenant === '*') return `klaxon_global_${kind}`;
  if (!isValidTenant(tenant)) throw new Error(`"${tenant}" is not a tenant name (letters, digits, ".", "_" or "-")`);
  return `klaxon_tenant_${escapeTenant(tenant)}_${kind}`;
}

function escapeTenant(tenant: string): string {
  return tenant.replace(/[^A-Za-z0-9-]/g, (c) => `_${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
