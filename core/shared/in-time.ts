/**
 * `work`, or a rejection naming `what` once `ms` have passed: for a dependency that may hang
 * rather than refuse (a database behind a stalled network), which must not hold an alert with
 * it. The work itself is not cancelled; its late answer is dropped.
 */
export function inTime<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
