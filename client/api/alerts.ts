import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AlertValidationError, parseGenericAlert, type Alert } from '../../core/alert';
import { SignatureError, verifyKlaxonSignature } from '../../core/signature';
import type { AlertIntake } from '../alert-intake';
import { header, HttpError, parseJson, readBody, requireContentType } from './http';

export interface AlertRouteDeps {
  intake: AlertIntake;
  webhookSecret: string;
  now: () => Date;
}

/** Sources Klaxon can parse; each entry turns a verified request into an Alert. */
const SOURCES: Record<string, (req: IncomingMessage, raw: Buffer, deps: AlertRouteDeps) => Alert> = {
  generic(req, raw, deps) {
    const signature = header(req, 'klaxon-signature');
    try {
      verifyKlaxonSignature(deps.webhookSecret, raw, signature, Math.floor(deps.now().getTime() / 1000));
    } catch (err) {
      if (err instanceof SignatureError) throw new HttpError(401, err.message);
      throw err;
    }
    requireContentType(req, 'application/json');
    const body = parseJson(raw);
    // A redelivery of the same signed request has the same id; a resend with a new timestamp is a new alert.
    const deliveryId = createHash('sha256').update(signature ?? '').update(raw).digest('hex').slice(0, 32);
    try {
      return parseGenericAlert(body, { deliveryId, receivedAt: deps.now().toISOString() });
    } catch (err) {
      if (err instanceof AlertValidationError) throw new HttpError(422, `invalid alert: ${err.message}`, { problems: err.problems });
      throw err;
    }
  },
};

/** `POST /v1/alerts/:source`: answers 202 only once Temporal holds the alert. */
export async function receiveAlert(req: IncomingMessage, source: string, deps: AlertRouteDeps): Promise<{ status: number; body: unknown }> {
  const parse = SOURCES[source];
  if (!parse) throw new HttpError(404, `unknown alert source "${source}"; known sources: ${Object.keys(SOURCES).join(', ')}`);
  const raw = await readBody(req);
  const alert = parse(req, raw, deps);
  try {
    return { status: 202, body: await deps.intake.submit(alert) };
  } catch (err) {
    // Not accepted: the sender must retry, and nothing was recorded.
    throw new HttpError(503, `Temporal did not accept the alert, retry later: ${(err as Error).message}`);
  }
}
