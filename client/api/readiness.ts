/**
 * `/readyz`: whether this process can do its work now, each dependency checked by a cheap call
 * within a bound (a dependency that hangs is as down as one that refuses). `/healthz` stays a
 * liveness check, so an orchestrator restarts a process that is stuck, not one whose Temporal
 * or database is away. The worker's health server answers the same way (worker/health.ts).
 */
export type ReadinessChecks = Record<string, () => Promise<unknown>>;

export const READINESS_TIMEOUT_MS = 2000;

/** 200 when every check answered in time, else 503 naming what is down and why. */
export async function readiness(checks: ReadinessChecks, timeoutMs = READINESS_TIMEOUT_MS): Promise<{ status: number; body: { ready: boolean; checks: Record<string, string> } }> {
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)));
      try {
        await Promise.race([check(), late]);
        return [name, 'ok'] as const;
      } catch (err) {
        // The error's own words: a connection refused, a TLS failure, an authentication error.
        return [name, `down: ${(err as Error).message ?? String(err)}`.slice(0, 300)] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const ready = results.every(([, r]) => r === 'ok');
  return { status: ready ? 200 : 503, body: { ready, checks: Object.fromEntries(results) } };
}
