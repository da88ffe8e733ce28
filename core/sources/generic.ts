import { AlertValidationError, parseGenericAlert } from '../alert';
import { REPLAY_MEMORY_SECONDS, SignatureError, verifyKlaxonSignature } from '../signature';
import { deliveryIdOf, parseJsonBody, SourceRejection, type AlertSource } from './source';

/** Klaxon's own JSON, signed with `Klaxon-Signature` (see core/signature.ts). */
export const genericSource: AlertSource = {
  name: 'generic',
  secretVariables: ['KLAXON_WEBHOOK_SECRET'],
  requires: 'all',
  replayWindowSeconds: REPLAY_MEMORY_SECONDS.signedTimestamp,
  receive(req, settings) {
    let signed: { timestamp: number };
    try {
      signed = verifyKlaxonSignature(settings.secrets.KLAXON_WEBHOOK_SECRET!, req.rawBody, req.header('klaxon-signature'), Math.floor(req.receivedAt.getTime() / 1000));
    } catch (err) {
      if (err instanceof SignatureError) throw new SourceRejection(401, err.message);
      throw err;
    }
    const body = parseJsonBody(req.rawBody);
    // Keyed on what the signature covers, not on the header's bytes: a redelivery of the same
    // signed request has the same id however its header is spelt; a resend with a new timestamp is a new alert.
    const deliveryId = deliveryIdOf('generic', String(signed.timestamp), req.rawBody);
    try {
      return { alerts: [parseGenericAlert(body, { deliveryId, receivedAt: req.receivedAt.toISOString() })], resolutions: [] };
    } catch (err) {
      if (err instanceof AlertValidationError) throw new SourceRejection(422, `invalid alert: ${err.message}`, err.problems);
      throw err;
    }
  },
};
