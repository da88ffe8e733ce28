// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
/**
 * Steps that may carry the incident's audit events along with their own work (a page, a
 * rewrite of the messages, a containment action), so the step is audited in its own activity
 * instead of a ledger activity of its own. The worker registers `<step>Audited` beside each
 * (activities/audited.ts); the incident workflow calls it (workflows/ledger-writer.ts).
 */
export const AUDITED_STEPS = ['postPage', 'refreshPages', 'applyContainment', 'undoContainment'] as const;
type AuditedStep = (typeof AUDITED_STEPS)[number];

export const isAuditedStep = (name: string): name is AuditedStep => (AUDITED_STEPS as readonly string[]).includes(name);

/** The name the audited twin of `step` is registered under. */
export const auditedName = (step: AuditedStep): `${AuditedStep}Audited` => `${step}Audited`;

/** What a step that carried audit events answers: its own result, and whether the events are stored. */
export interface AuditedResult<R> {
  result: R;
  audited: boolean;
}
