import { klaxonReportHandler } from '@klaxon/next/server';
import { APP, forwardedTenant } from '../../../../lib/tenant';

/**
 * Where KlaxonErrorBoundary sends what it caught. The handler checks the body is what the
 * boundary sends (400 otherwise), rate-limits repeats of one error, and forwards it to Klaxon
 * signed with KLAXON_WEBHOOK_SECRET, which never reaches the browser (KLAXON_URL names Klaxon).
 */
export const { POST } = klaxonReportHandler({ app: APP, resolveTenant: (request) => forwardedTenant(request.headers) });
