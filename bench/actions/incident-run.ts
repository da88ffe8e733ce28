import type { temporal } from '@temporalio/proto';
import { klaxonSignatureHeader } from '../../core/shared/signature';
import type { EmbeddedStack } from '../../scripts/embedded-stack';
import type { SlackStandIn } from '../../test/support/slack-stand-in';
import type { ActionsCase, Connected } from './cases';

/** Runs one case through the API to completion and returns its incident id and whole history. */
export async function runCase(
  c: ActionsCase,
  ctx: { stack: EmbeddedStack; slack: SlackStandIn; connected: Connected; secret: string },
): Promise<{ incidentId: string; events: temporal.api.history.v1.IHistoryEvent[] }> {
  const body = JSON.stringify({ ...c.alert, dedupKey: `cost-${c.alert.severity}-${Date.now()}` });
  const res = await fetch(`${ctx.stack.apiUrl}/v1/alerts/generic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'klaxon-signature': klaxonSignatureHeader(ctx.secret, body, Math.floor(Date.now() / 1000)) },
    body,
  });
  const answer = (await res.json()) as { incidentId: string };
  if (res.status !== 202) throw new Error(`alert answered ${res.status}: ${JSON.stringify(answer)}`);
  const { incidentId } = answer;

  const pagesOf = () => ctx.slack.callsOf('chat.postMessage').filter((m) => JSON.stringify(m.args).includes(incidentId) && !m.args.thread_ts);
  const deadline = Date.now() + 120_000;
  while (pagesOf().length < c.pagesBeforeAck) {
    if (Date.now() > deadline) throw new Error(`${c.pagesBeforeAck} pages were not out within 120 s (${pagesOf().length} pages)`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const handle = ctx.connected.client.workflow.getHandle(incidentId);
  const settled = async (): Promise<void> => {
    for (let seen = -1; ; await new Promise((r) => setTimeout(r, 2000))) {
      const now = (await handle.fetchHistory()).events?.length ?? 0;
      if (now === seen) return;
      seen = now;
    }
  };
  await c.act(ctx.connected.incidents, incidentId, settled);
  await handle.result();
  return { incidentId, events: (await handle.fetchHistory()).events ?? [] };
}
