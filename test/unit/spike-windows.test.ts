import { InProcessSpikeWindows, MAX_LINES_IN_PROCESS, spikeAlertsOf } from '../../client/spike-windows';
import type { Alert } from '../../core/alerts/alert';
import { SPIKE_MEMORY_SECONDS, windowKey, windowStart, type SpikeHit } from '../../core/sources/spike-windows';

describe('status-spike windows counted in process (no database)', () => {
  const t0 = new Date('2026-11-24T10:00:00Z');
  const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
  const alert = { source: 'vercel', title: 'spike', severity: 'SEV2', dedupKey: 'vercel:spike:prj', tenant: 'acme', dataCategories: [], details: {}, deliveryId: 'window-1', receivedAt: t0.toISOString() } as Alert;
  const hit = (lineId: string, seconds = 1, project = 'prj'): SpikeHit => ({
    window: { detector: 'spike', project, start: windowStart(t0.getTime() + seconds * 1000, 60) },
    lineId,
    threshold: 3,
    windowSeconds: 60,
    alert,
  });

  it('pages once when a window reaches its threshold, and again only for a batch that resends counted lines', async () => {
    const windows = new InProcessSpikeWindows();
    expect(await spikeAlertsOf([hit('a'), hit('b'), hit('a')], windows, t0)).toEqual([]);
    const paged = await spikeAlertsOf([hit('c')], windows, t0);
    expect(paged.map((a) => [a.deliveryId, a.details.linesInWindow, a.details.threshold])).toEqual([['window-1', 3, 3]]);
    // A new line in a window that paged raises nothing.
    expect(await spikeAlertsOf([hit('d')], windows, t0)).toEqual([]);
    // The batch that paged sent again (its answer lost, or refused with 503): its alert again,
    // with the window's delivery id, which the delivery memory and the incident take once.
    expect((await spikeAlertsOf([hit('c')], windows, t0)).map((a) => a.deliveryId)).toEqual(['window-1']);
    // The next window starts from nothing.
    expect(await spikeAlertsOf([hit('e', 61), hit('f', 62)], windows, t0)).toEqual([]);
    expect(windows.limitation).toMatch(/several API replicas/);
  });

  it('forgets a window its memory past its last hit, and holds a bounded number of lines', async () => {
    const windows = new InProcessSpikeWindows();
    await windows.count([hit('a')], t0);
    const forgotten = at(60 + SPIKE_MEMORY_SECONDS);
    expect((await windows.count([hit('a')], forgotten)).get(windowKey(hit('a').window))).toEqual({ lines: 1, added: 1 });
    const many = Array.from({ length: MAX_LINES_IN_PROCESS }, (_, i) => hit(`l${i}`, 1, 'busy'));
    await windows.count(many, forgotten);
    // Over the bound: the oldest window went, the one just counted stays whole.
    expect((await windows.count([hit('a'), hit('l0', 1, 'busy')], forgotten))).toEqual(
      new Map([
        [windowKey(hit('a').window), { lines: 1, added: 1 }],
        [windowKey(hit('l0', 1, 'busy').window), { lines: MAX_LINES_IN_PROCESS, added: 0 }],
      ]),
    );
  });
});
