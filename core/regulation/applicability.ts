// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import { carriesPersonalData } from '../alerts/data-categories';
import { OBLIGATIONS, type Obligation } from './regimes';

/** EU and EEA member states: an incident in any of them falls under EU law (GDPR, NIS2, DORA). */
const EU_EEA = new Set([
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE', 'IS', 'LI', 'NO',
]);

/** Regimes that apply only to some entities (processors, NIS2 and DORA entities, SEC registrants): the policy names them. */
const OPT_IN_REGIMES = new Set(['NIS2', 'DORA', 'SEC']);

/** Whether an incident jurisdiction (EU, DE, US, US-CA…) falls under an obligation's jurisdiction. */
function covers(obligationJurisdiction: string, incidentJurisdiction: string): boolean {
  const j = incidentJurisdiction.toUpperCase();
  if (obligationJurisdiction === 'EU') return j === 'EU' || EU_EEA.has(j.split('-')[0]);
  // A national law covers its subdivisions (US covers US-CA); a state law only its own state.
  return j === obligationJurisdiction || j.startsWith(`${obligationJurisdiction}-`);
}

export interface ApplicabilityInput {
  dataCategories: string[];
  jurisdictions: string[];
  /** Regimes the tenant is subject to beyond the default ones (NIS2, DORA, SEC), from policy. */
  optIn?: string[];
  /** The tenant processes the affected data for a controller (GDPR Art. 33(2)). */
  processor?: boolean;
}

/**
 * The obligations an incident's facts call for: its jurisdictions, its data categories
 * (health data for HIPAA), and the regimes its policy opts into. People can add or remove
 * obligations on the incident, with a reason; this is where the list starts.
 */
export function applicableObligations(input: ApplicabilityInput): Obligation[] {
  if (!carriesPersonalData(input)) return [];
  const optIn = new Set(input.optIn ?? []);
  return OBLIGATIONS.filter((o) => {
    if (OPT_IN_REGIMES.has(o.regime) && !optIn.has(o.regime)) return false;
    if (o.trigger === 'processor-aware' && !input.processor) return false;
    if (o.dataCategories && !o.dataCategories.some((c) => input.dataCategories.includes(c))) return false;
    return o.jurisdictions.some((oj) => input.jurisdictions.some((ij) => covers(oj, ij)));
  });
}
