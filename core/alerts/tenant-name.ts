// Workflow-safe: workflow code imports this module (through core/drills/drill.ts); keep Node-only modules out (test/workflow/bundle.test.ts).
/**
 * The tenant-name rule on its own, free of zod: `@klaxon/next`'s Edge middleware bundles it (with
 * core/containment/containment-key.ts) and must stay small and free of Node modules.
 * Tenants appear in workflow ids and search attributes, so they are kept to a safe alphabet.
 */
export const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isValidTenant(tenant: string | undefined): tenant is string {
  return tenant !== undefined && TENANT_PATTERN.test(tenant);
}
