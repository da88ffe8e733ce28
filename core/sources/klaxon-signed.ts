import { SignatureError, verifyKlaxonSignature } from '../shared/signature';
import { SourceRejection, type SourceRequest, type SourceSettings } from './source';

/**
 * Authenticates a request signed with `Klaxon-Signature` under KLAXON_WEBHOOK_SECRET (Klaxon's
 * own format, and what @klaxon/next forwards): 401 naming what is wrong, else the signed moment.
 */
export function klaxonSigned(req: SourceRequest, settings: SourceSettings): { timestamp: number } {
  try {
    return verifyKlaxonSignature(settings.secrets.KLAXON_WEBHOOK_SECRET!, req.rawBody, req.header('klaxon-signature'), Math.floor(req.receivedAt.getTime() / 1000));
  } catch (err) {
    if (err instanceof SignatureError) throw new SourceRejection(401, err.message);
    throw err;
  }
}
