/**
 * CPU milliseconds `work` takes, the best of `runs` runs, and its last result. CPU time rather
 * than wall time: tests share the machine with other processes, which stretch the wall clock and
 * not the work. The linear-time tests compare such figures with bounds a backtracking pattern
 * overshoots by orders of magnitude.
 */
export function cpuMs<T>(work: () => T, runs = 1): { value: T; ms: number } {
  let best = Infinity;
  let value!: T;
  for (let i = 0; i < runs; i++) {
    const start = process.cpuUsage();
    value = work();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return { value, ms: best };
}
