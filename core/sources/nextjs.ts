import { describeIssues, type Alert } from '../alerts/alert';
import { redact } from '../shared/redaction';
import { REPLAY_MEMORY_SECONDS } from '../shared/signature';
import type { Severity } from '../alerts/severity';
import { deliveryIdOf } from './delivery-id';
import { klaxonSigned } from './klaxon-signed';
import { labelsOf, nextjsAlert, routeTemplate, type NextjsContext } from './nextjs-alert';
import { cspResult } from './nextjs-csp';
import { NEXTJS_MAX_BODY_BYTES, nextjsReport, reportProblems, type DataGuardReport, type ErrorReport } from './nextjs-report';
import { parseJsonBody, SourceRejection, type AlertSource } from './source';

/**
 * `POST /v1/alerts/nextjs`: what @klaxon/next (packages/next) reports from inside a customer's
 * Next.js app, signed like Klaxon's own alerts. Three kinds (core/sources/nextjs-report.ts):
 * an error its boundaries or handlers caught (one incident per fingerprint, SEV3), a response
 * its data guard caught carrying another tenant's records or fields marked sensitive (SEV1 when
 * they left the app: a breach; lower when blocked: a near miss), and CSP violations
 * (nextjs-csp.ts: possible exfiltration, or scripts from unlisted hosts).
 */
export const nextjsSource: AlertSource = {
  name: 'nextjs',
  secretVariables: ['KLAXON_WEBHOOK_SECRET'],
  requires: 'all',
  replayWindowSeconds: REPLAY_MEMORY_SECONDS.signedTimestamp,
  maxBodyBytes: NEXTJS_MAX_BODY_BYTES,
  receive(req, settings) {
    const { timestamp } = klaxonSigned(req, settings);
    const parsed = nextjsReport.safeParse(parseJsonBody(req.rawBody));
    const problems = parsed.success ? reportProblems(parsed.data) : describeIssues(parsed.error);
    if (!parsed.success || problems.length) throw new SourceRejection(422, `invalid Next.js report: ${problems.join('; ')}`, problems);
    const report = parsed.data;
    // Keyed on what the signature covers, as the generic source's: a resend with a new timestamp is a new delivery.
    const context: NextjsContext = {
      deliveryId: (...parts) => deliveryIdOf('nextjs', String(timestamp), req.rawBody, ...parts),
      receivedAt: req.receivedAt.toISOString(),
      defaultTenant: settings.defaultTenant,
    };
    if (report.kind === 'error') return { alerts: [errorAlert(report, context)], resolutions: [] };
    if (report.kind === 'data-guard') return { alerts: [dataGuardAlert(report, context)], resolutions: [] };
    return cspResult(report, context);
  },
};

const SURFACE_WORDS: Record<ErrorReport['surface'], string> = {
  'client-component': 'client component',
  'server-component': 'server component',
  'route-handler': 'route handler',
  'server-action': 'server action',
  middleware: 'middleware',
};

/**
 * Query strings in a stack's URLs may carry tokens or ids: the package strips them, and so does
 * Klaxon, whatever sent the report. The frame's `:line:column` after the query stays. Linear: a
 * match never crosses a space or `)`, and the lookahead reads at most the digits after a `:`.
 */
const withoutQueries = (stack: string) => stack.replace(/\?[^\s)]*?(?=:\d+:\d+(?:\)|\s|$)|[\s)]|$)/g, '');

function errorAlert(r: ErrorReport, context: NextjsContext): Alert {
  const route = routeTemplate(r.route);
  return nextjsAlert(
    {
      // The error's message stays out of the title: it may be the very data that leaked (it goes, redacted, to the details).
      title: `Next.js ${SURFACE_WORDS[r.surface]} error on ${route}: ${r.error.name}`,
      severity: 'SEV3',
      // The app's fingerprint groups repeats of one error, whatever route or tenant they came from.
      dedupKey: `nextjs:error:${r.app}:${r.fingerprint}`,
      tenant: r.tenant ?? context.defaultTenant,
      dataCategories: [],
      details: {
        labels: labelsOf({ kind: 'error', app: r.app, surface: r.surface, route, release: r.release }),
        requestId: r.requestId,
        count: r.count,
        firstSeen: r.firstSeen,
        lastSeen: r.lastSeen,
        fingerprint: r.fingerprint,
        error: { name: r.error.name, message: redact(r.error.message), digest: r.error.digest, stack: r.error.stack && redact(withoutQueries(r.error.stack)) },
        ...(r.tenant ? {} : { triage: 'the report names no tenant: assigned to the default tenant' }),
      },
      deliveryId: context.deliveryId(),
    },
    context,
  );
}

/**
 * Records that left the app are a breach (personal data, so the GDPR clock applies); records the
 * guard blocked are a near miss, paged one step lower and with no data category, so no clock.
 */
const DATA_GUARD: Record<DataGuardReport['finding'], Record<DataGuardReport['action'], { severity: Severity; dataCategories: string[] }>> = {
  'cross-tenant': { reported: { severity: 'SEV1', dataCategories: ['personal-data'] }, blocked: { severity: 'SEV2', dataCategories: [] } },
  'sensitive-field': { reported: { severity: 'SEV2', dataCategories: ['personal-data'] }, blocked: { severity: 'SEV3', dataCategories: [] } },
};

function dataGuardAlert(r: DataGuardReport, context: NextjsContext): Alert {
  const route = routeTemplate(r.route);
  const what = r.finding === 'cross-tenant' ? 'records of other tenants' : 'sensitive fields';
  const { severity, dataCategories } = DATA_GUARD[r.finding][r.action];
  return nextjsAlert(
    {
      title: `Next.js data guard: ${what} in a response on ${route}`,
      severity,
      dataCategories: [...dataCategories],
      // Blocked and reported findings of one route join one incident: a reported one raises it.
      dedupKey: `nextjs:data-guard:${r.app}:${r.tenant}:${r.finding}:${route}`,
      // The caller's tenant: the one whose responses carry what they must not, the one containment isolates.
      tenant: r.tenant,
      details: {
        labels: labelsOf({ kind: 'data-guard', app: r.app, route, finding: r.finding, action: r.action, release: r.release }),
        outcome: r.action === 'reported' ? 'the response left the app: its records reached the caller' : 'blocked: the response never left the app',
        otherTenants: r.otherTenants,
        fields: r.fields,
        records: r.records,
        at: r.at,
        requestId: r.requestId,
      },
      deliveryId: context.deliveryId(),
    },
    context,
  );
}
