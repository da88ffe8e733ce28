import { klaxonSignatureHeader } from './web-signature';
import type { KlaxonReport } from './wire-format';

/** Where the app's reports go; defaults read from the server's environment, never sent to a browser. */
export interface KlaxonTarget {
  /** Klaxon's base URL; default process.env.KLAXON_URL. */
  klaxonUrl?: string;
  /** The webhook secret; default process.env.KLAXON_WEBHOOK_SECRET. */
  secret?: string;
}

/** Klaxon refuses bodies above this (the source's limit); the package's own bounds keep reports well below. */
export const MAX_FORWARD_BYTES = 64 * 1024;
const FORWARD_TIMEOUT_MS = 5000;

export type ForwardOutcome = 'accepted' | 'failed';

const log = (message: string) => console.error(`@klaxon/next: ${message}`);

/** Klaxon's source URL under its base, which may carry a path of its own (a trailing "/" or not). */
function sourceUrl(base: string): string {
  let end = base.length;
  while (end > 0 && base[end - 1] === '/') end -= 1;
  return `${base.slice(0, end)}/v1/alerts/nextjs`;
}

/**
 * Signs one report with the webhook secret and posts it to `POST {KLAXON_URL}/v1/alerts/nextjs`.
 * Never throws: a report that cannot be delivered is logged (its kind and Klaxon's answer,
 * never its content) and the app carries on.
 */
export async function forwardToKlaxon(target: KlaxonTarget, report: KlaxonReport): Promise<ForwardOutcome> {
  const base = target.klaxonUrl ?? process.env.KLAXON_URL;
  const secret = target.secret ?? process.env.KLAXON_WEBHOOK_SECRET;
  if (!base || !secret) {
    log(`a ${report.kind} report was not sent: KLAXON_URL and KLAXON_WEBHOOK_SECRET must both be set`);
    return 'failed';
  }
  const body = JSON.stringify(report);
  if (new TextEncoder().encode(body).byteLength > MAX_FORWARD_BYTES) {
    log(`a ${report.kind} report was not sent: it is larger than ${MAX_FORWARD_BYTES} bytes`);
    return 'failed';
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), FORWARD_TIMEOUT_MS);
  try {
    const res = await fetch(sourceUrl(base), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'klaxon-signature': await klaxonSignatureHeader(secret, body, Math.floor(Date.now() / 1000)) },
      body,
      signal: controller.signal,
    });
    const answer = (await res.text().catch(() => '')).slice(0, 300);
    if (res.ok) return 'accepted';
    log(`Klaxon answered HTTP ${res.status} to a ${report.kind} report: ${answer}`);
    return 'failed';
  } catch (err) {
    log(`a ${report.kind} report did not reach Klaxon: ${controller.signal.aborted ? `no answer within ${FORWARD_TIMEOUT_MS} ms` : (err as Error).message}`);
    return 'failed';
  } finally {
    clearTimeout(timer);
  }
}
