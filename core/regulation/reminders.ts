// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
/** A reminder point: a share of the time allowed (`75%`) or a time before the deadline (`T-12h`, `T-30m`, `T-2d`). */
export const REMINDER_PATTERN = /^(?:(\d{1,2})%|T-(\d+)([mhd]))$/;
