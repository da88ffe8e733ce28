/**
 * Polls until `check` returns a value (not undefined/false), or fails naming what was awaited.
 * A check that itself hangs (a query to a workflow whose worker is stuck) fails the same way
 * at the deadline, instead of running into jest's test timeout with no word of where it stood.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const timedOut = () => new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const overdue = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${timedOut().message} (its last check did not return)`)), Math.max(0, deadline - Date.now()) + 1_000);
    });
    try {
      const value = await Promise.race([Promise.resolve(check()), overdue]);
      if (value !== undefined && value !== false) return value;
    } finally {
      clearTimeout(timer);
    }
    if (Date.now() > deadline) throw timedOut();
    await new Promise((r) => setTimeout(r, 50));
  }
}
