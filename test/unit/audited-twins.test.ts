import { AUDIT_WITHIN_MS, withAuditedTwins } from '../../activities/audited';
import type { NewLedgerEvent } from '../../ledger/event';

/** The audited twin of a step (activities/audited.ts): the step as it is, its audit events beside it, the ledger never in its way. */
const event = (n: number): NewLedgerEvent =>
  ({ incidentId: 'inc-1', stepKey: `inc-1/run/${n}`, occurredAt: '2026-12-06T10:00:00.000Z', actor: { type: 'system', name: 'klaxon' }, kind: 'incident.opened', payload: {} }) as unknown as NewLedgerEvent;

const steps = (postPage: (...args: unknown[]) => Promise<unknown>) => ({
  postPage,
  refreshPages: async () => undefined,
  applyContainment: async () => ({}),
  undoContainment: async () => ({}),
});

describe('audited twins of steps', () => {
  it('answer the step\'s own result and that the events were stored, stored while the step ran', async () => {
    const stored: string[] = [];
    const order: string[] = [];
    const twins = withAuditedTwins(
      steps(async (input) => {
        order.push('step');
        return { channel: 'C1', ts: '1.0', input };
      }),
      async (events) => {
        order.push('append');
        stored.push(...events.map((e) => e.stepKey));
      },
    ) as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const answer = await twins.postPageAudited([event(1), event(2)], { to: 'alice' });
    expect(answer).toEqual({ result: { channel: 'C1', ts: '1.0', input: { to: 'alice' } }, audited: true });
    expect(stored).toEqual(['inc-1/run/1', 'inc-1/run/2']);
    // The page is not held back by the ledger: it starts first.
    expect(order).toEqual(['step', 'append']);
  });

  it('answer audited: false within their bound when the ledger does not answer, and the step\'s result all the same', async () => {
    jest.useFakeTimers();
    try {
      const twins = withAuditedTwins(steps(async () => ({ channel: 'C1', ts: '2.0' })), () => new Promise<void>(() => undefined)) as Record<string, (...args: unknown[]) => Promise<unknown>>;
      const answer = twins.postPageAudited([event(1)], {});
      await jest.advanceTimersByTimeAsync(AUDIT_WITHIN_MS);
      await expect(answer).resolves.toEqual({ result: { channel: 'C1', ts: '2.0' }, audited: false });
    } finally {
      jest.useRealTimers();
    }
  });

  it('a ledger that refuses leaves the step\'s answer as it is; a step that fails fails as before, its events stored', async () => {
    const refusing = withAuditedTwins(steps(async () => ({ channel: 'C1', ts: '3.0' })), async () => {
      throw new Error('connection refused');
    }) as Record<string, (...args: unknown[]) => Promise<unknown>>;
    await expect(refusing.postPageAudited([event(1)], {})).resolves.toEqual({ result: { channel: 'C1', ts: '3.0' }, audited: false });

    const stored: string[] = [];
    const failing = withAuditedTwins(
      steps(async () => {
        throw new Error('slack: service_unavailable');
      }),
      async (events) => {
        stored.push(...events.map((e) => e.stepKey));
      },
    ) as Record<string, (...args: unknown[]) => Promise<unknown>>;
    await expect(failing.postPageAudited([event(7)], {})).rejects.toThrow('slack: service_unavailable');
    expect(stored).toEqual(['inc-1/run/7']);
  });

  it('refuse to start without one of the steps they audit', () => {
    expect(() => withAuditedTwins({ postPage: async () => undefined }, async () => undefined)).toThrow('no activity refreshPages to audit');
  });
});
