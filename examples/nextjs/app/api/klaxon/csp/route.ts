import { klaxonCspReportHandler } from '@klaxon/next/server';
import { APP } from '../../../../lib/tenant';

/**
 * Where browsers send Content-Security-Policy violations (next.config.ts names it in both
 * report-uri and report-to). Aggregated over a window, then forwarded to Klaxon, which treats
 * a connect-src or form-action violation towards an unknown host as possible exfiltration.
 */
export const { POST } = klaxonCspReportHandler({ app: APP });
