// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
/** What a policy says of reviews (`reviews:` in the policy file); defaults in DEFAULT_REVIEW_SETTINGS. */
export interface ReviewSettings {
  /** false: this policy's incidents owe no review (a policy for heartbeats or test tenants); true when absent. */
  required?: boolean;
  /** Business days, in the owner's zone, from resolution to the review's due date. */
  dueBusinessDays: number;
  /** Whether a drill that ends resolved owes a review too. */
  drills: boolean;
  /** Hours between two reminders of a late review (each reaches one more level); one business day when absent. */
  remindEveryHours?: number;
  /** Whose public holidays are not business days (ISO 3166, "DE", "US-CA"); weekends only when absent. */
  holidays?: string;
}

export const DEFAULT_REVIEW_SETTINGS: ReviewSettings = { dueBusinessDays: 5, drills: false };
/** What the policy file accepts (core/policy/policy.ts checks them). */
export const REVIEW_BOUNDS = { dueBusinessDays: { min: 1, max: 30 }, remindEveryHours: { min: 1, max: 168 } } as const;

