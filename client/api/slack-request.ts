import type { IncomingMessage } from 'node:http';
import { SignatureError, verifySlackSignature } from '../../core/signature';
import { header, HttpError, readBody, requireContentType } from './http';

/**
 * The form body of a request Slack signed (interactivity, slash commands), read and
 * verified: 503 when Slack is not configured, 401 when the signature is bad or stale.
 */
export async function readSlackForm(req: IncomingMessage, signingSecret: string | undefined, now: () => Date): Promise<URLSearchParams> {
  if (!signingSecret) throw new HttpError(503, 'Slack is not configured for requests from Slack: set SLACK_SIGNING_SECRET');
  const raw = await readBody(req);
  try {
    verifySlackSignature(
      signingSecret,
      raw,
      { signature: header(req, 'x-slack-signature'), timestamp: header(req, 'x-slack-request-timestamp') },
      Math.floor(now().getTime() / 1000),
    );
  } catch (err) {
    if (err instanceof SignatureError) throw new HttpError(401, err.message);
    throw err;
  }
  requireContentType(req, 'application/x-www-form-urlencoded');
  return new URLSearchParams(raw.toString('utf8'));
}
