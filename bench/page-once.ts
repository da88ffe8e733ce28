import { klaxonSignatureHeader } from '../core/shared/signature';
import type { SlackCall, SlackStandIn } from '../test/support/slack-stand-in';

/**
 * Posts one signed SEV2 alert (a new incident) to the API at `apiUrl` and waits for the Slack
 * stand-in to receive its page: the times from the POST to the 202 and to the page, in ms; the
 * incident; and when the POST left and the page arrived, in epoch ms (beside the server's clock).
 */
export async function pageOnce(
  apiUrl: string,
  slack: SlackStandIn,
  secret: string,
  n: number,
): Promise<{ toSlack: number; to202: number; incidentId: string; requestAt: number; receivedAt: number }> {
  const body = JSON.stringify({ title: `Bench alert ${n}`, severity: 'SEV2', tenant: 'bench', dedupKey: `bench-${Date.now()}-${n}`, dataCategories: ['personal-data'] });
  // Every message posted from the request on is kept here until the answer names the incident:
  // the page may land before the answer is read. Only these few are searched, never the stand-in's
  // whole record: scanning thousands of earlier calls ran on the process's main thread, which the
  // worker shares, at the very moment the incident's first workflow task passed through it.
  const since: SlackCall[] = [];
  let incidentId = '';
  const pages = (call: SlackCall) => call.method === 'chat.postMessage' && JSON.stringify(call.args.blocks ?? null).includes(incidentId);
  let onCall: (call: SlackCall) => void = () => undefined;
  const paged = new Promise<SlackCall>((resolve) => {
    onCall = (call: SlackCall) => {
      // A page carries its incident's id in its blocks; notices in threads may carry none.
      if (!incidentId) since.push(call);
      else if (pages(call)) resolve(call);
    };
    slack.on('call', onCall);
  });
  try {
    const t0 = performance.now();
    const res = await fetch(`${apiUrl}/v1/alerts/generic`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'klaxon-signature': klaxonSignatureHeader(secret, body, Math.floor(Date.now() / 1000)) },
      body,
    });
    const answered = performance.now();
    const answer = (await res.json()) as { incidentId: string };
    if (res.status !== 202) throw new Error(`alert ${n} answered ${res.status}: ${JSON.stringify(answer)}`);
    incidentId = answer.incidentId;
    const call = since.find(pages) ?? (await paged);
    return { toSlack: call.at - t0, to202: answered - t0, incidentId, requestAt: performance.timeOrigin + t0, receivedAt: performance.timeOrigin + call.at };
  } finally {
    slack.off('call', onCall);
  }
}
