// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
/**
 * Severities, most severe first. A module of its own, free of zod: workflow code needs them,
 * and every module a workflow imports is evaluated again for each new incident, so a schema
 * library in that graph is paid for at every incident's start.
 */
export const SEVERITIES = ['SEV1', 'SEV2', 'SEV3', 'SEV4'] as const;
export type Severity = (typeof SEVERITIES)[number];
