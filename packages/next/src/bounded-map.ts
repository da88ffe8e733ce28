/**
 * A Map that keeps at most `max` entries, dropping the least recently used: the per-fingerprint
 * and per-violation state is keyed by what outsiders send, and a flood of distinct keys must
 * not grow memory without end. Map keeps insertion order, so re-inserting on use makes the
 * first key the least recently used.
 */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(readonly max: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as K);
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** Takes every entry out, oldest first. */
  drain(): Array<[K, V]> {
    const all = [...this.entries];
    this.entries.clear();
    return all;
  }
}
