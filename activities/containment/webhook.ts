import type { AdapterConfig } from '../../core/containment/containment-config';
import { klaxonSignatureHeader } from '../../core/shared/signature';
import { PermanentAdapterError, type AdapterReading, type AdapterRequest, type ContainmentAdapter } from './adapter';

type WebhookSettings = Extract<AdapterConfig, { adapter: 'webhook' }>;

/**
 * The customer's own admin API. The contract (README, "Containment", adapter `webhook`): Klaxon POSTs
 * JSON `{ operation: apply|undo|status, tenant, incidentId, actionId, action }` signed with
 * `Klaxon-Signature` (as Klaxon's own alert webhook: t=…,v1=HMAC-SHA256 of "t.body") and an
 * `Idempotency-Key` header (`<incident>/<action>/<operation>`) that stays the same on retries.
 * 2xx means done (a repeat of a key already done answers 2xx too); `status` answers
 * `{ "active": true|false, … }`. 4xx other than 408/429 is permanent; anything else is retried.
 */
export class WebhookAdapter implements ContainmentAdapter {
  constructor(private readonly settings: WebhookSettings) {}

  private async post(operation: 'apply' | 'undo' | 'status', req: AdapterRequest): Promise<unknown> {
    const body = JSON.stringify({ operation, tenant: req.tenant, incidentId: req.incidentId, actionId: req.actionId, action: req.spec });
    const res = await fetch(this.settings.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'klaxon-signature': klaxonSignatureHeader(this.settings.secret, body, Math.floor(Date.now() / 1000)),
        'idempotency-key': `${req.idempotencyKey}/${operation}`,
      },
      body,
      signal: AbortSignal.timeout(this.settings.timeoutMs),
    });
    const text = await res.text();
    if (res.ok) return text ? (JSON.parse(text) as unknown) : {};
    const message = `containment webhook ${operation} answered ${res.status}: ${text.slice(0, 300)}`;
    if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) throw new PermanentAdapterError(message);
    throw new Error(message);
  }

  async apply(req: AdapterRequest): Promise<void> {
    await this.post('apply', req);
  }

  async undo(req: AdapterRequest): Promise<void> {
    await this.post('undo', req);
  }

  async read(req: AdapterRequest): Promise<AdapterReading> {
    const answer = (await this.post('status', req)) as { active?: unknown };
    if (typeof answer.active !== 'boolean') throw new PermanentAdapterError(`containment webhook status did not say whether the action is active: ${JSON.stringify(answer).slice(0, 200)}`);
    return { active: answer.active, observed: answer };
  }
}
