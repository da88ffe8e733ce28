// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
/** Who did something, as recorded in the ledger. */
export interface Actor {
  type: 'system' | 'responder' | 'token';
  name: string;
  /** The channel the action came through: slack, cli, api. */
  via?: string;
}

/** The channels a person acts through, recorded with every change they make. */
export const RESPONDER_CHANNELS = ['slack', 'cli', 'api', 'pagerduty'] as const;

/** Identifies a responder by name (CLI, API) or by Slack user id (Slack buttons). */
export interface ResponderRef {
  responder?: string;
  slackUserId?: string;
  pagerDutyUserId?: string;
  via: (typeof RESPONDER_CHANNELS)[number];
}

/** Klaxon itself, as the actor of what it does on its own. */
export const SYSTEM: Actor = { type: 'system', name: 'klaxon' };
