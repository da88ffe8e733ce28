// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
/** A rule of the incident that a request broke, e.g. an unknown responder or a trigger set in the future. */
export class IncidentRuleError extends Error {
  override readonly name = 'IncidentRuleError';
}
