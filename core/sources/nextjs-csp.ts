import type { Alert } from '../alerts/alert';
import type { Severity } from '../alerts/severity';
import { labelsOf, nextjsAlert, routeTemplate, type NextjsContext } from './nextjs-alert';
import { CSP_KEYWORDS, type CspReport } from './nextjs-report';
import type { SourceResult } from './source';

/**
 * CSP violations worth an incident: data sent to a host the policy does not list (`connect-src`:
 * fetch, XHR, WebSocket, beacons; `form-action`: a form posted away) is a possible exfiltration
 * path; a script loaded from an unlisted host may be the injection that would use one. Anything
 * else (styles, images, fonts, inline code, `eval`) is the everyday noise of a policy, and the
 * keywords (`inline`, `data`…) name no host anything could be sent to.
 */
const CLASSES = new Map<string, { severity: Severity; title: (host: string) => string }>([
  ['connect-src', { severity: 'SEV2', title: (host) => `possible exfiltration to ${host}` }],
  ['form-action', { severity: 'SEV2', title: (host) => `possible exfiltration to ${host}` }],
  ['script-src', { severity: 'SEV3', title: (host) => `script from an unlisted host: ${host}` }],
  ['script-src-elem', { severity: 'SEV3', title: (host) => `script from an unlisted host: ${host}` }],
]);

/** Said, logged and counted (never the sender's words) when a report holds violations of no consequence. */
export const CSP_IGNORED_REASON = 'CSP violation that is not an exfiltration path';

/**
 * One alert per directive and host of the report, their counts summed over its documents: one
 * incident per host an app's pages try to reach, however many pages try.
 */
export function cspResult(r: CspReport, context: NextjsContext): SourceResult {
  const found = new Map<string, { directive: string; host: string; count: number; documents: Set<string> }>();
  let ignored = 0;
  for (const v of r.violations) {
    const host = v.blockedHost.toLowerCase();
    if (!CLASSES.has(v.directive) || (CSP_KEYWORDS as readonly string[]).includes(host)) {
      ignored += 1;
      continue;
    }
    const key = `${v.directive} ${host}`;
    const entry = found.get(key) ?? { directive: v.directive, host, count: 0, documents: new Set<string>() };
    entry.count += v.count;
    entry.documents.add(routeTemplate(v.documentPath));
    found.set(key, entry);
  }
  const alerts = [...found.values()].map(({ directive, host, count, documents }): Alert => {
    const { severity, title } = CLASSES.get(directive)!;
    return nextjsAlert(
      {
        title: `Next.js CSP: ${title(host)} (${directive})`,
        severity,
        dedupKey: `nextjs:csp:${r.app}:${directive}:${host}`,
        tenant: context.defaultTenant,
        dataCategories: [],
        details: {
          labels: labelsOf({ kind: 'csp', app: r.app, directive, host, release: r.release }),
          count,
          documentPaths: [...documents],
          from: r.from,
          until: r.until,
          triage: 'CSP reports name no tenant: assigned to the default tenant',
        },
        deliveryId: context.deliveryId(directive, host),
      },
      context,
    );
  });
  return { alerts, resolutions: [], ...(ignored ? { ignored: [{ reason: CSP_IGNORED_REASON, deliveryId: context.deliveryId('ignored') }] } : {}) };
}
