import { InProcessDeliveries, MAX_REMEMBERED_IN_PROCESS } from '../../client/delivery-memory';

describe('the in-process memory of deliveries (no database)', () => {
  const t0 = new Date('2026-11-24T10:00:00Z');
  const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

  it('remembers a delivery until its window ends, and says what it does not cover', async () => {
    const memory = new InProcessDeliveries();
    await memory.remember(['a'], t0, at(600));
    expect(await memory.seen(['a', 'b'], at(599))).toEqual(new Set(['a']));
    expect(await memory.seen(['a'], at(600))).toEqual(new Set());
    expect(memory.limitation).toMatch(/another API replica/);
  });

  it('holds a bounded number, forgetting the expired and then the oldest first', async () => {
    const memory = new InProcessDeliveries();
    await memory.remember(['expired'], t0, at(1));
    await memory.remember(Array.from({ length: MAX_REMEMBERED_IN_PROCESS }, (_, i) => `d${i}`), at(2), at(600));
    // Full: the expired one made room.
    expect(await memory.seen(['expired', 'd0', `d${MAX_REMEMBERED_IN_PROCESS - 1}`], at(2))).toEqual(new Set(['d0', `d${MAX_REMEMBERED_IN_PROCESS - 1}`]));
    expect(memory.forgottenUntil).toBe(0);
    await memory.remember(['newest'], at(3), at(600));
    expect(await memory.seen(['d0', 'd1', 'newest'], at(4))).toEqual(new Set(['d1', 'newest']));
    // It says until when what it forgot early could still come back as a replay.
    expect(memory.forgottenUntil).toBe(at(600).getTime());
  });
});
