import type { DrillFacts } from '../core/drills/drill';
import { h } from './dom';
import { drillReportLinks } from './drill-report-links';
import { consolePath } from './routes';

/**
 * The note at the top of a drill's page: no one must take it for a real incident. It names the
 * scenario, who started it, what containment really does, and where its report is.
 */
export function drillBanner(drill: DrillFacts, canAudit: boolean): HTMLElement {
  const containment = drill.sandboxTenant ? `containment acts on the sandbox tenant ${drill.sandboxTenant} only` : 'containment is a dry run (its plan is recorded, nothing is changed)';
  return h(
    'div',
    { role: 'note', id: 'drill-banner', class: 'drill-banner', 'aria-label': 'Drill' },
    h('p', {}, h('strong', {}, 'DRILL'), ` — this is a drill, not a real incident: scenario ${drill.scenario}, started by ${drill.startedBy}. Every message it sends is marked DRILL, and ${containment}.`),
    h(
      'p',
      {},
      ...(canAudit ? ['Drill report: ', drillReportLinks(drill.drillId), '. '] : ['Its report needs a token with the audit:read scope. ']),
      h('a', { href: consolePath.drills }, 'All drills'),
    ),
  );
}
