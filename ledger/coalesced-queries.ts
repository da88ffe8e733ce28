/** Calls gathered into one batch at most (one statement's arrays stay small). */
const MAX_BATCH = 500;

/**
 * Runs the calls made while earlier ones are under way as one batch: with fifty requests at once,
 * fifty look-ups become a few statements instead of fifty. Each statement costs the database a
 * round trip and a plan whatever its size, and on the embedded stack's PGlite (one thread for
 * every connection) the replay memory's two statements per alert took two thirds of its time at
 * full ingest (bench/ingest.ts).
 *
 * - At most `parallel` batches run at once; the next waits for one to end. A batch still running
 *   after `slotMs` (a database that hangs) gives its place up, so a stalled connection delays the
 *   calls after it by that much, not for ever.
 * - A batch the database refuses for what is in it (a data or integrity error, SQLSTATE classes
 *   22 and 23) runs again call by call: one input that can never be stored must not fail the
 *   others. Any other failure (the database away) fails every call of the batch.
 */
export class CoalescedQueries<I, O> {
  private readonly waiting: Array<{ input: I; ok: (o: O) => void; fail: (e: Error) => void }> = [];
  private running = 0;

  constructor(
    /** Answers for every input, in order. */
    private readonly runBatch: (inputs: I[]) => Promise<O[]>,
    private readonly options: { parallel: number; slotMs: number },
  ) {}

  call(input: I): Promise<O> {
    return new Promise((ok, fail) => {
      this.waiting.push({ input, ok, fail });
      this.next();
    });
  }

  private next(): void {
    while (this.running < this.options.parallel && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, MAX_BATCH);
      this.running += 1;
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        clearTimeout(slot);
        this.running -= 1;
        this.next();
      };
      const slot = setTimeout(release, this.options.slotMs);
      void this.settle(batch).finally(release);
    }
  }

  private async settle(batch: typeof this.waiting): Promise<void> {
    try {
      const outputs = await this.runBatch(batch.map((b) => b.input));
      batch.forEach((b, i) => b.ok(outputs[i]));
    } catch (err) {
      if (batch.length === 1 || !refusedForItsContent(err)) {
        for (const b of batch) b.fail(err as Error);
        return;
      }
      await Promise.all(batch.map((b) => this.runBatch([b.input]).then(([o]) => b.ok(o), (e: Error) => b.fail(e))));
    }
  }
}

/** PostgreSQL refused the statement for the data in it (classes 22 and 23), not for being away. */
function refusedForItsContent(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}
