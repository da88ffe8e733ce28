import { AlertValidationError, parseGenericAlert } from '../alerts/alert';
import { REPLAY_MEMORY_SECONDS } from '../shared/signature';
import { deliveryIdOf } from './delivery-id';
import { klaxonSigned } from './klaxon-signed';
import { parseJsonBody, SourceRejection, type AlertSource } from './source';

/** Separates Klaxon's `test` field from the alert; anything but a boolean there is refused. */
function withoutTestFlag(body: unknown): { test: boolean; alert: unknown } {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !Object.hasOwn(body, 'test')) return { test: false, alert: body };
  const { test, ...alert } = body as Record<string, unknown>;
  if (typeof test !== 'boolean') throw new SourceRejection(422, 'invalid alert: test: expected a boolean', ['test: expected a boolean']);
  return { test, alert };
}

/** Klaxon's own JSON, signed with `Klaxon-Signature` (see core/shared/signature.ts). */
export const genericSource: AlertSource = {
  name: 'generic',
  secretVariables: ['KLAXON_WEBHOOK_SECRET'],
  requires: 'all',
  replayWindowSeconds: REPLAY_MEMORY_SECONDS.signedTimestamp,
  receive(req, settings) {
    const signed = klaxonSigned(req, settings);
    const body = parseJsonBody(req.rawBody);
    // Keyed on what the signature covers, not on the header's bytes: a redelivery of the same
    // signed request has the same id however its header is spelt; a resend with a new timestamp is a new alert.
    const deliveryId = deliveryIdOf('generic', String(signed.timestamp), req.rawBody);
    // `test: true` (what `klaxon alert test` sends) is checked like any alert, then recorded and
    // answered as a test: the wiring is proven without paging anyone.
    const { test, alert } = withoutTestFlag(body);
    try {
      const parsed = parseGenericAlert(alert, { deliveryId, receivedAt: req.receivedAt.toISOString() });
      if (test) return { alerts: [], resolutions: [], tests: [{ source: 'generic', recognisedAs: 'Klaxon alert with test: true', deliveryId, receivedAt: parsed.receivedAt }] };
      return { alerts: [parsed], resolutions: [] };
    } catch (err) {
      if (err instanceof AlertValidationError) throw new SourceRejection(422, `invalid alert: ${err.message}`, err.problems);
      throw err;
    }
  },
};
