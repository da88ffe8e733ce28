import nodemailer from 'nodemailer';
import { Incident } from '../../core/incident/incident';
import { clockNoticeEmail, emailMessage } from '../../core/channels/email-message';
import { obligationById } from '../../core/regulation/regimes';
import { sampleAlert, samplePolicy } from '../support/samples';

/** Every way text can break a line, or hide a control character, in a mail header. */
const BREAKS = ['\r\n', '\n', '\r', '\u0085', '\u000b', '\u000c', '\u2028', '\u2029', '\u0000'];
const title = BREAKS.map((b, i) => `part${i}${b}Bcc: evil${i}@attacker.example`).join('');

describe('e-mail headers from alert text', () => {
  const s = Incident.open('inc-acme-0123456789abcdef', samplePolicy, sampleAlert({ title }), '2026-11-24T10:00:00.000Z').snapshot();
  const subjects: Array<[string, string]> = [
    ['the page', emailMessage(s, { responder: 'alice', level: 1 }).subject],
    ['a clock notice', clockNoticeEmail({ ...s, tenant: `acme${BREAKS.join('')}` }, { obligation: 'gdpr-art33', kind: 'reminder', label: '50%', dueAt: '2026-11-27T10:00:00.000Z', sequence: 1 }, obligationById('gdpr-art33'), 'alice').subject],
  ];

  it.each(subjects)('%s keeps its subject on one line, without control characters', (_, subject) => {
    expect(subject).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
  });

  it('cannot add a header to the mail nodemailer writes', async () => {
    const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    const info = await transport.sendMail({ from: 'klaxon@example.com', to: 'alice@example.com', subject: subjects[0][1], text: 'x' });
    const headers = (info as unknown as { message: Buffer }).message.toString().split('\n\n')[0];
    expect(headers).not.toMatch(/^Bcc:/im);
  });
});
