import { BoundedMap } from '../../../packages/next/src/bounded-map';

describe('BoundedMap (the package caches keyed by outside input)', () => {
  it('never holds more than its bound, however many distinct keys arrive, and forgets the least recently used', () => {
    const map = new BoundedMap<string, number>(100);
    for (let i = 0; i < 100; i += 1) map.set(`k${i}`, i);
    map.get('k0');
    for (let i = 100; i < 100_000; i += 1) {
      map.set(`k${i}`, i);
      if (i === 100) expect(map.has('k0') && !map.has('k1')).toBe(true);
    }
    expect(map.size).toBe(100);
    expect(map.has('k99999')).toBe(true);
    expect(map.drain()).toHaveLength(100);
    expect(map.size).toBe(0);
  });
});
