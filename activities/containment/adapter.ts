import type { ContainmentSpec } from '../../core/containment/containment';

/** One containment action as an adapter sees it. */
export interface AdapterRequest {
  incidentId: string;
  actionId: string;
  /** The incident's tenant, or "*" for a global throttle. */
  tenant: string;
  spec: ContainmentSpec;
  /** `<incident>/<action>`: the same on every retry, so the customer's side can refuse a repeat. */
  idempotencyKey: string;
}

/** What the control plane says now about one action. */
export interface AdapterReading {
  active: boolean;
  /** What was read back (the item, the row, the API's answer), recorded as the verification. */
  observed: unknown;
}

/**
 * Reaches one control plane. Apply and undo are idempotent (a retry after a crash changes
 * nothing more); `read` is the verification: the activity reads the state back after each.
 */
export interface ContainmentAdapter {
  apply(req: AdapterRequest): Promise<void>;
  undo(req: AdapterRequest): Promise<void>;
  read(req: AdapterRequest): Promise<AdapterReading>;
  close?(): Promise<void>;
}

/** An answer no retry can cure (bad credentials, a refused request): the action fails at once. */
export class PermanentAdapterError extends Error {
  override readonly name = 'PermanentAdapterError';
}
