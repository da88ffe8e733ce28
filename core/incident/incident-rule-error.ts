/** A rule of the incident that a request broke, e.g. an unknown responder or a trigger set in the future. */
export class IncidentRuleError extends Error {}
