import type { IncomingMessage } from 'node:http';
import { REPLAY_MEMORY_SECONDS, SignatureError, verifyKlaxonSignature } from '../../core/shared/signature';
import { deliveryIdOf } from '../../core/sources/delivery-id';
import type { DeliveryMemory } from '../delivery-memory';
import type { HeartbeatFeed } from '../heartbeats';
import { header, HttpError, parseRequestJson, readBody, requireContentType } from './http';
import { heartbeats } from '../../telemetry/metrics';

/** A beat's body is `{"monitor":"<name>"}`: a kilobyte is ten times what it needs. */
export const MAX_HEARTBEAT_BODY_BYTES = 1024;

export interface HeartbeatRouteDeps {
  feed: HeartbeatFeed;
  /** KLAXON_WEBHOOK_SECRET, which signs generic alerts and beats alike. */
  secret?: string;
  deliveries: DeliveryMemory;
  now: () => Date;
}

/**
 * `POST /v1/heartbeats/:name`, signed with `Klaxon-Signature` as generic alerts are. Checked in
 * this order: size (413) and type (415); the signature (401), before the name is looked up, so a
 * caller without the secret learns nothing of which monitors exist (their names carry tenants);
 * the monitor (404 naming it); the body, which names the monitor again (400, 422): the signature
 * covers the body and not the path, so without it one captured beat could be sent to every
 * monitor. The same signed bytes again are a replay (202, `replayed`, no beat): a replay must not
 * keep a silent source looking alive. Answers 202 once Temporal holds the beat.
 */
export async function receiveHeartbeat(req: IncomingMessage, name: string, deps: HeartbeatRouteDeps): Promise<{ status: number; body: unknown }> {
  try {
    const answer = await takeBeat(req, name, deps);
    heartbeats.inc({ via: 'http', outcome: (answer.body as { replayed?: boolean }).replayed ? 'replayed' : 'accepted' });
    return answer;
  } catch (err) {
    if (err instanceof HttpError) heartbeats.inc({ via: 'http', outcome: err.status === 503 ? 'unavailable' : 'refused' });
    throw err;
  }
}

async function takeBeat(req: IncomingMessage, name: string, deps: HeartbeatRouteDeps): Promise<{ status: number; body: unknown }> {
  const raw = await readBody(req, MAX_HEARTBEAT_BODY_BYTES);
  requireContentType(req, 'application/json');
  if (!deps.secret) throw new HttpError(503, 'heartbeats are signed with KLAXON_WEBHOOK_SECRET, which is not set');
  const receivedAt = deps.now();
  let signed: { timestamp: number };
  try {
    signed = verifyKlaxonSignature(deps.secret, raw, header(req, 'klaxon-signature'), Math.floor(receivedAt.getTime() / 1000));
  } catch (err) {
    if (err instanceof SignatureError) throw new HttpError(401, err.message);
    throw err;
  }
  const monitor = deps.feed.monitor(name);
  if (!monitor) throw new HttpError(404, `no heartbeat monitor "${name}" is declared in the policy file`);
  const body = parseRequestJson(raw.toString('utf8'));
  if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).join() !== 'monitor' || typeof (body as { monitor: unknown }).monitor !== 'string') {
    throw new HttpError(422, `the body must be {"monitor": "${name}"}: the signature covers the body, so the body says which monitor the beat is for`);
  }
  const named = (body as { monitor: string }).monitor;
  if (named !== name) throw new HttpError(422, `the body names monitor "${named.slice(0, 64)}", the path "${name}": a signed beat counts only for the monitor it names`);
  // The body names the monitor already; the name is part of the id too, so the id alone says which monitor's beat it was.
  const deliveryId = deliveryIdOf('heartbeat', name, String(signed.timestamp), raw);
  const answer = { monitor: name, tenant: monitor.tenant, intervalSeconds: monitor.intervalSeconds };
  if ((await deps.deliveries.seen([deliveryId], receivedAt)).has(deliveryId)) return { status: 202, body: { ...answer, replayed: true } };
  try {
    await deps.feed.beat(monitor);
    await deps.deliveries.remember([deliveryId], receivedAt, new Date(receivedAt.getTime() + REPLAY_MEMORY_SECONDS.signedTimestamp * 1000));
  } catch (err) {
    // A retry of a beat Temporal holds but the memory missed is one more beat: harmless.
    throw new HttpError(503, `the beat was not taken, retry later: ${(err as Error).message}`);
  }
  return { status: 202, body: answer };
}
