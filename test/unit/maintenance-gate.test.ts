import { maintenanceGate } from '../../client/maintenance-gate';
import type { Maintenance } from '../../client/maintenance';
import type { MaintenanceWindow } from '../../core/maintenance/window';
import { decide } from '../../core/maintenance/window';
import { sampleAlert } from '../support/samples';

/**
 * The alert route's maintenance check when the database misbehaves: windows unreadable, slow,
 * or the hold not recordable all page the alert (fail open) and say so in the log.
 */
const NOW = new Date();
const window: MaintenanceWindow = { id: 'mw-1', tenant: 'acme', from: new Date(NOW.getTime() - 1000).toISOString(), until: new Date(NOW.getTime() + 3_600_000).toISOString(), reason: 'r', by: 'ana', allowSev1PersonalData: false, createdAt: NOW.toISOString() };
const alert = sampleAlert({ tenant: 'acme', severity: 'SEV2' });

function fake(over: { decide?: () => Promise<unknown>; recordMet?: () => Promise<void> }): { maintenance: Maintenance; recorded: unknown[] } {
  const recorded: unknown[] = [];
  type Entry = { window: unknown; alert: unknown; bypass?: unknown };
  const maintenance = {
    decide: over.decide ?? (async (a: typeof alert) => decide(a, [window], NOW.getTime())),
    windows: {
      recordMany: async (entries: Entry[], at: Date) => {
        if (over.recordMet) await over.recordMet();
        return entries.map((e) => (recorded.push([e.window, e.alert, e.bypass, at]), true));
      },
    },
  } as unknown as Maintenance;
  return { maintenance, recorded };
}

describe('the maintenance check of the alert route', () => {
  it('holds an alert a live window covers, after recording it with its title redacted', async () => {
    const { maintenance, recorded } = fake({});
    expect(await maintenanceGate(alert, maintenance, NOW, () => undefined)).toEqual({ incidentId: null, held: { window: 'mw-1', until: window.until } });
    expect(JSON.stringify(recorded)).not.toContain('jane@example.com');
  });

  it('pages when the windows cannot be read, or not in time, or the hold cannot be recorded, and logs why', async () => {
    const logs: string[] = [];
    const log = (l: string) => logs.push(l);
    expect(await maintenanceGate(alert, fake({ decide: () => Promise.reject(new Error('ECONNREFUSED')) }).maintenance, NOW, log)).toBeUndefined();
    expect(await maintenanceGate(alert, fake({ recordMet: () => Promise.reject(new Error('SQLSTATE 57P01')) }).maintenance, NOW, log)).toBeUndefined();
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const slow = maintenanceGate(alert, fake({ decide: () => new Promise(() => undefined) }).maintenance, NOW, log);
      await jest.advanceTimersByTimeAsync(2_001);
      expect(await slow).toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
    expect(logs).toEqual([
      expect.stringMatching(/could not be read, the alert pages as usual: ECONNREFUSED/),
      expect.stringMatching(/could not be recorded, it pages as usual: SQLSTATE 57P01/),
      expect.stringMatching(/could not be read, the alert pages as usual: reading the maintenance windows took longer than 2000 ms/),
    ]);
  });

  it('pages a SEV1 with personal data and records the bypass; a failed record does not stop the page', async () => {
    const sev1 = sampleAlert({ tenant: 'acme', severity: 'SEV1', dataCategories: ['personal-data'] });
    const { maintenance, recorded } = fake({});
    expect(await maintenanceGate(sev1, maintenance, NOW, () => undefined)).toBeUndefined();
    expect(recorded).toEqual([[window, expect.objectContaining({ window: 'mw-1', severity: 'SEV1' }), expect.objectContaining({ reason: expect.stringContaining('personal data') }), NOW]]);
    const logs: string[] = [];
    expect(await maintenanceGate(sev1, fake({ recordMet: () => Promise.reject(new Error('down')) }).maintenance, NOW, (l) => logs.push(l))).toBeUndefined();
    expect(logs).toEqual([expect.stringMatching(/not recorded as such: down/)]);
  });
});
