import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import nodemailer, { type Transporter } from 'nodemailer';
import { clockNoticeEmail, emailMessage, type EmailMessage } from '../core/channels/email-message';
import type { IncidentState } from '../core/incident/incident';
import type { ClockNotice } from '../core/regulation/legal-clocks';
import { obligationById } from '../core/regulation/regimes';
import type { ChannelDeps } from './channels';
import type { ReviewState } from '../core/reviews/review';
import { reviewEmail, type ReviewNotice } from '../core/reviews/review-messages';

export interface EmailSettings {
  /** smtp://user:pass@host:port or smtps://…; without it, messages are written to the outbox as .eml files. */
  smtpUrl?: string;
  from: string;
  outboxDir: string;
}

export interface EmailPageInput {
  stepKey: string;
  state: IncidentState;
  to: string;
  responder: string;
  level: number;
}

/** The domain of Message-IDs: the sender's, so they are unique to this deployment. */
const domainOf = (from: string): string => from.replace(/^.*@/, '').replace(/[^A-Za-z0-9.-]/g, '') || 'klaxon.invalid';

/** SMTP replies no retry can cure: the mailbox or sender is refused, or authentication fails. */
const isPermanent = (err: unknown): boolean => {
  const e = err as { responseCode?: number; code?: string };
  return (e.responseCode !== undefined && e.responseCode >= 500) || e.code === 'EAUTH' || e.code === 'EENVELOPE';
};

/**
 * Email through `nodemailer`. Each notification has a Message-ID derived from its step key,
 * and all mails of an incident name the same thread root (In-Reply-To, References), so mail
 * clients thread them and a retried send is recognisable as the same message. SMTP itself
 * cannot refuse a duplicate: a crash after the server accepted a mail and before Temporal
 * recorded it sends that mail twice, with the same Message-ID.
 */
export function createEmailActivities(settings: EmailSettings) {
  const transport: Transporter = settings.smtpUrl
    ? nodemailer.createTransport(settings.smtpUrl)
    : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const domain = domainOf(settings.from);

  /** Sends one message with a Message-ID from `stepKey`, threaded under the incident. */
  const deliver = async (stepKey: string, incidentId: string, to: string, message: EmailMessage): Promise<{ messageId: string }> => {
    const messageId = `<${createHash('sha256').update(stepKey).digest('hex').slice(0, 32)}@${domain}>`;
    const thread = `<${incidentId}@${domain}>`;
    try {
      const info = await transport.sendMail({
        from: settings.from,
        to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId,
        inReplyTo: thread,
        references: [thread],
        headers: { 'X-Klaxon-Incident': incidentId },
      });
      if (!settings.smtpUrl) {
        // The outbox keeps one file per notification: a retry rewrites it, never adds a second.
        const dir = join(settings.outboxDir, 'email');
        await mkdir(dir, { recursive: true });
        await writeFile(join(dir, `${messageId.slice(1, 33)}.eml`), (info as unknown as { message: Buffer }).message);
      }
      return { messageId };
    } catch (err) {
      if (isPermanent(err)) throw ApplicationFailure.nonRetryable(`email to ${to} refused: ${(err as Error).message}`, 'EmailPermanentError');
      throw err;
    }
  };

  return {
    async sendEmail(input: EmailPageInput): Promise<{ messageId: string }> {
      return deliver(input.stepKey, input.state.incidentId, input.to, emailMessage(input.state, { responder: input.responder, level: input.level }));
    },

    /** A legal clock's notice to someone on the DPO / legal ladder. */
    async sendClockEmail(input: { stepKey: string; state: IncidentState; notice: ClockNotice; to: string; responder: string }): Promise<{ messageId: string }> {
      const message = clockNoticeEmail(input.state, input.notice, obligationById(input.notice.obligation), input.responder);
      return deliver(input.stepKey, input.state.incidentId, input.to, message);
    },

    /** A late post-incident review, or an overdue follow-up action, to one person; threaded under the incident. */
    async sendReviewEmail(input: { stepKey: string; review: ReviewState; notice: ReviewNotice; to: string }): Promise<{ messageId: string }> {
      return deliver(input.stepKey, input.review.incidentId, input.to, reviewEmail(input.review, input.notice));
    },
  };
}

export type EmailActivities = ReturnType<typeof createEmailActivities>;

/** The worker's email activities (activities/channels.ts). */
export const channelActivities = ({ config }: ChannelDeps) => createEmailActivities({ ...config.email, outboxDir: config.outboxDir });
