import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { isValidTenant, MAX_TITLE_LENGTH, type Alert } from '../alert';
import { JsonBodyError, parseBoundedJson } from '../bounded-json';
import { matchesPattern } from '../patterns';
import { REPLAY_MEMORY_SECONDS } from '../signature';
import { sameSecret } from './shared';
import { deliveryIdOf, SourceRejection, type AlertSource, type SourceRequest, type SourceSettings } from './source';
import type { VercelDetector, VercelRules } from './vercel-rules';

/**
 * Vercel log drains: batches of log lines (a JSON array, or NDJSON), signed with
 * `x-vercel-signature`, the hex HMAC-SHA1 of the body with the drain's secret. Log lines
 * are not alerts: the detectors of the rules file turn them into alerts.
 * https://vercel.com/docs/drains/reference/logs, https://vercel.com/docs/drains/security
 */
const logLineSchema = z.object({
  id: z.string(),
  projectId: z.string(),
  deploymentId: z.string().optional(),
  source: z.string().optional(),
  host: z.string().optional(),
  timestamp: z.number(),
  level: z.string().optional(),
  message: z.string().optional(),
  path: z.string().optional(),
  statusCode: z.number().optional(),
  requestId: z.string().optional(),
  environment: z.string().optional(),
  proxy: z.object({ path: z.string().optional(), statusCode: z.number().optional(), method: z.string().optional() }).partial().optional(),
});
type LogLine = z.infer<typeof logLineSchema>;

/**
 * Sliding windows of matching responses per detector and project, kept by the API process:
 * a spike is counted where the lines arrive (each API replica sees its share).
 */
export class SpikeWindows {
  private readonly hits = new Map<string, number[]>();

  /** Records a hit; true when it completes a spike (the window then starts over). */
  hit(key: string, at: number, detector: Extract<VercelDetector, { kind: 'status-spike' }>): boolean {
    const since = at - detector.windowSeconds * 1000;
    const hits = (this.hits.get(key) ?? []).filter((t) => t > since);
    hits.push(at);
    if (hits.length >= detector.threshold) {
      this.hits.delete(key);
      return true;
    }
    this.hits.set(key, hits);
    return false;
  }
}

export interface VercelDetection {
  rules: VercelRules;
  windows: SpikeWindows;
}

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

function fires(d: VercelDetector, line: LogLine, path: string | undefined, status: number | undefined, detection: VercelDetection): boolean {
  if (d.paths && !(path && matchesPattern(d.paths, path))) return false;
  if (d.kind === 'message') return Boolean(line.message && matchesPattern(d.pattern, line.message));
  if (status === undefined || !d.statuses.includes(status)) return false;
  return detection.windows.hit(`${d.name}\0${line.projectId}`, line.timestamp, d);
}

export const vercelSource: AlertSource = {
  name: 'vercel',
  secretVariables: ['KLAXON_VERCEL_SECRET'],
  requires: 'all',
  replayWindowSeconds: REPLAY_MEMORY_SECONDS.bodyOnly,
  contentTypes: ['application/json', 'application/x-ndjson'],
  receive(req, settings) {
    authenticate(req, settings);
    const detection = settings.vercel;
    const alerts: Alert[] = [];
    for (const [i, entry] of linesOf(req.rawBody).entries()) {
      const parsed = logLineSchema.safeParse(entry);
      // A line Klaxon cannot read is skipped, not the batch: Vercel would redeliver it forever.
      if (!parsed.success || !detection) continue;
      const line = parsed.data;
      const path = line.proxy?.path ?? line.path;
      const status = line.proxy?.statusCode ?? line.statusCode;
      const mapped = Object.hasOwn(detection.rules.projects, line.projectId) ? detection.rules.projects[line.projectId] : undefined;
      const tenant = isValidTenant(mapped) ? mapped : settings.defaultTenant;
      for (const d of detection.rules.detectors) {
        if (!fires(d, line, path, status, detection)) continue;
        alerts.push({
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
          deliveryId: deliveryIdOf('vercel', d.name, line.id),
          receivedAt: req.receivedAt.toISOString(),
        });
      }
    }
    // Most batches are ordinary traffic: answered as ignored, with why, never silently.
    const reason = !detection || detection.rules.detectors.length === 0 ? 'no Vercel detectors in the rules file' : 'no detector matched a line of the batch';
    return { alerts, resolutions: [], ...(alerts.length ? {} : { ignored: [{ reason, deliveryId: deliveryIdOf('vercel-batch', req.rawBody) }] }) };
  },
};
