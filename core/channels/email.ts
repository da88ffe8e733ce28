// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import type { ChannelDescriptor, ClockNoticeRequest, PageRequest } from './channel';

/**
 * Email (activities/email.ts, messages in email-message.ts): pages to responders who live in
 * their mailbox, and legal clocks' notices to each person on the DPO / legal ladder.
 */
export const email = {
  id: 'email',
  contact: { email: { format: { pattern: /^[^\s@<>,;]+@[^\s@<>,;]+\.[^\s@<>,;]+$/, is: 'an email address' } } },
  address: 'email',
  page: {
    activity: 'sendEmail',
    input: ({ stepKey, state, address, responder, level }: PageRequest) => ({ stepKey, state, to: address, responder, level }),
  },
  clockNotice: {
    activity: 'sendClockEmail',
    input: ({ stepKey, state, notice, address, responder }: ClockNoticeRequest) => ({ stepKey, state, notice, to: address, responder }),
  },
} as const satisfies ChannelDescriptor;
