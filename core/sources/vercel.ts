import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { isValidTenant, MAX_TITLE_LENGTH, type Alert } from '../alerts/alert';
import { JsonBodyError, parseBoundedJson } from '../shared/bounded-json';
import { matchesPattern } from '../shared/patterns';
import { REPLAY_MEMORY_SECONDS } from '../shared/signature';
import { isStorableText } from '../shared/storable-text';
import { sameSecret } from './shared';
import { deliveryIdOf } from './delivery-id';
import { SourceRejection, type AlertSource, type SourceRequest, type SourceSettings } from './source';
import { windowStart, type SpikeHit } from './spike-windows';
import type { VercelDetector } from './vercel-rules';

/** A line or project id: what spike windows are keyed by in the ledger database, whose text holds no NUL. */
const vercelId = z.string().min(1).max(256).regex(/^[^\u0000]+$/, 'holds a NUL character');
/** A path goes into the alert's title, which the ledger must store: a line whose path it cannot is skipped, not its whole batch refused. */
const storedPath = z.string().refine(isStorableText, 'holds text no record can store');

/**
 * Vercel log drains: batches of log lines (a JSON array, or NDJSON), signed with
 * `x-vercel-signature`, the hex HMAC-SHA1 of the body with the drain's secret. Log lines
 * are not alerts: the detectors of the rules file turn them into alerts.
 * https://vercel.com/docs/drains/reference/logs, https://vercel.com/docs/drains/security
 */
const logLineSchema = z.object({
  id: vercelId,
  projectId: vercelId,
  deploymentId: z.string().optional(),
  source: z.string().optional(),
  host: z.string().optional(),
  /** ms since the epoch; past what a Date holds it is no time at all. */
  timestamp: z.number().min(0).max(8.64e15),
  level: z.string().optional(),
  message: z.string().optional(),
  path: storedPath.optional(),
  statusCode: z.number().optional(),
  requestId: z.string().optional(),
  environment: z.string().optional(),
  proxy: z.object({ path: storedPath.optional(), statusCode: z.number().optional(), method: z.string().optional() }).partial().optional(),
});
type LogLine = z.infer<typeof logLineSchema>;

function linesOf(raw: Buffer): unknown[] {
  const text = raw.toString('utf8').trim();
  try {
    if (text.startsWith('[')) return parseBoundedJson(text) as unknown[];
    return text.split('\n').filter((l) => l.trim()).map((l) => parseBoundedJson(l));
  } catch (err) {
    if (err instanceof JsonBodyError) throw new SourceRejection(400, `malformed log drain body (JSON array or NDJSON expected): ${err.message}`);
    throw err;
  }
}

function authenticate(req: SourceRequest, settings: SourceSettings): void {
  const signature = req.header('x-vercel-signature');
  if (!signature) throw new SourceRejection(401, 'missing x-vercel-signature header');
  const expected = createHmac('sha1', settings.secrets.KLAXON_VERCEL_SECRET!).update(req.rawBody).digest('hex');
  if (!sameSecret(signature, expected)) throw new SourceRejection(401, 'x-vercel-signature does not match the body');
}

/** Whether the line matches the detector: for a status spike, one hit of its window (counted by the client). */
function matches(d: VercelDetector, line: LogLine, path: string | undefined, status: number | undefined): boolean {
  if (d.paths && !(path && matchesPattern(d.paths, path))) return false;
  if (d.kind === 'message') return Boolean(line.message && matchesPattern(d.pattern, line.message));
  return status !== undefined && d.statuses.includes(status);
}

export const vercelSource: AlertSource = {
  name: 'vercel',
  secretVariables: ['KLAXON_VERCEL_SECRET'],
  requires: 'all',
  replayWindowSeconds: REPLAY_MEMORY_SECONDS.bodyOnly,
  contentTypes: ['application/json', 'application/x-ndjson'],
  receive(req, settings) {
    authenticate(req, settings);
    const rules = settings.vercel;
    const alerts: Alert[] = [];
    const spikeHits: SpikeHit[] = [];
    for (const [i, entry] of linesOf(req.rawBody).entries()) {
      const parsed = logLineSchema.safeParse(entry);
      // A line Klaxon cannot read is skipped, not the batch: Vercel would redeliver it forever.
      if (!parsed.success || !rules) continue;
      const line = parsed.data;
      const path = line.proxy?.path ?? line.path;
      const status = line.proxy?.statusCode ?? line.statusCode;
      const mapped = Object.hasOwn(rules.projects, line.projectId) ? rules.projects[line.projectId] : undefined;
      const tenant = isValidTenant(mapped) ? mapped : settings.defaultTenant;
      for (const d of rules.detectors) {
        if (!matches(d, line, path, status)) continue;
        const alert = (deliveryId: string): Alert => ({
          source: 'vercel',
          title: `${d.name}${path ? ` on ${path}` : ''}`.slice(0, MAX_TITLE_LENGTH),
          severity: d.severity,
          dedupKey: `vercel:${d.name}:${line.projectId}`,
          tenant,
          dataCategories: d.dataCategories,
          // The message is left out on purpose: it may be the very data that leaked.
          details: {
            detector: d.name,
            projectId: line.projectId,
            deploymentId: line.deploymentId,
            host: line.host,
            path,
            statusCode: status,
            requestId: line.requestId,
            environment: line.environment,
            lineIndex: i,
            ...(tenant === mapped ? {} : { triage: `Vercel project ${line.projectId} is mapped to no tenant: assigned to the default tenant` }),
          },
          deliveryId,
          receivedAt: req.receivedAt.toISOString(),
        });
        if (d.kind === 'message') {
          alerts.push(alert(deliveryIdOf('vercel', d.name, line.id)));
          continue;
        }
        const window = { detector: d.name, project: line.projectId, start: windowStart(line.timestamp, d.windowSeconds) };
        // A spike pages once per window, whichever of its lines completes it: its delivery id names the window.
        const deliveryId = deliveryIdOf('vercel', d.name, line.projectId, String(window.start));
        spikeHits.push({ window, lineId: line.id, threshold: d.threshold, windowSeconds: d.windowSeconds, alert: alert(deliveryId) });
      }
    }
    if (alerts.length || spikeHits.length) return { alerts, resolutions: [], spikeHits };
    // Most batches are ordinary traffic: answered as ignored, with why, never silently.
    const reason = !rules || rules.detectors.length === 0 ? 'no Vercel detectors in the rules file' : 'no detector matched a line of the batch';
    return { alerts, resolutions: [], ignored: [{ reason, deliveryId: deliveryIdOf('vercel-batch', req.rawBody) }] };
  },
};
