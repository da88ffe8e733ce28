import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { register } from './teardown';

/** A real SMTP server (`smtp-server`) on a loopback port that keeps what it receives, parsed. */
export class SmtpStandIn {
  readonly mails: ParsedMail[] = [];
  /** Recipients refused with 550, as a server refuses an unknown mailbox. */
  readonly refuse = new Set<string>();
  private server?: SMTPServer;

  get url(): string {
    return `smtp://127.0.0.1:${(this.server!.server.address() as AddressInfo).port}`;
  }

  /** Listens on `port` (any free one by default): a restarted server takes its old port back. */
  async start(port = 0): Promise<void> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        if (this.refuse.has(address.address)) return callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
        callback();
      },
      onData: (stream, _session, callback) => {
        simpleParser(stream).then(
          (mail) => {
            this.mails.push(mail);
            callback();
          },
          (err: Error) => callback(err),
        );
      },
    });
    await new Promise<void>((ok) => this.server!.listen(port, '127.0.0.1', ok));
    register(() => this.stop());
  }

  async stop(): Promise<void> {
    if (!this.server?.server.listening) return;
    await new Promise<void>((ok) => this.server!.close(() => ok()));
  }
}
