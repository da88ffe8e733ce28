// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
/**
 * Notification obligations as data: one entry per obligation, each citing its legal source.
 * Facts from the legal texts each entry cites, where [P] marks a primary text and [S] a secondary
 * summary; a customer's counsel can review every rule here and override it by policy. This
 * is not legal advice.
 */

/** The event that starts an obligation's clock, recorded on the incident with who and when. */
export type TriggerKind =
  | 'aware' // GDPR, UK GDPR, NIS2, LGPD, Reg. S-P: the controller (or entity) becomes aware
  | 'processor-aware' // GDPR Art. 33(2): the processor becomes aware
  | 'high-risk-determined' // GDPR Art. 34: the breach is judged likely to result in a high risk
  | 'discovered' // HIPAA, US state laws: first known (or knowable with reasonable diligence)
  | 'materiality-determined' // SEC 8-K Item 1.05
  | 'classified-major' // DORA: classified as a major ICT-related incident
  | `filed:${string}`; // a previous filing of the incident (phased reports)

/**
 * The triggers a person records (`klaxon clocks trigger --event …`). The others are recorded by
 * Klaxon itself: `high-risk-determined` by the Art. 34 decision, `filed:…` by a filing.
 */
export const RECORDABLE_TRIGGERS = ['aware', 'processor-aware', 'discovered', 'materiality-determined', 'classified-major'] as const satisfies readonly TriggerKind[];

export const isRecordableTrigger = (event: unknown): event is (typeof RECORDABLE_TRIGGERS)[number] => (RECORDABLE_TRIGGERS as readonly unknown[]).includes(event);

export type DeadlineRule =
  /** Elapsed clock hours: run through nights, weekends and DST changes alike. */
  | { unit: 'hours'; amount: number }
  /** Calendar days after the trigger's local date, due at the end of the last day in `zone`. */
  | { unit: 'calendar-days'; amount: number; zone: string }
  /** Business days of a jurisdiction after the trigger's local date, due at `endOfDay` there. */
  | { unit: 'business-days'; amount: number; jurisdiction: string; zone: string; endOfDay: string }
  /** Calendar months after the trigger, at the same clock time (NIS2 and DORA final reports). */
  | { unit: 'months'; amount: number }
  /** "Without undue delay": no number in law; the policy sets the bound, this is Klaxon's default. */
  | { unit: 'policy-hours'; defaultHours: number };

export interface Obligation {
  /** Kebab-case id, e.g. gdpr-art33. */
  id: string;
  regime: string;
  title: string;
  trigger: TriggerKind;
  deadline: DeadlineRule;
  /** DORA's initial report: also no later than this after a second trigger, whichever comes first. */
  alsoWithin?: { trigger: TriggerKind; deadline: DeadlineRule };
  recipient: string;
  /** Zone the recipient reads deadlines in (shown beside UTC). */
  recipientZone: string;
  /** Content items the filing must hold (draft headings). */
  contents: string[];
  /** Whether a late filing must give the reasons for the delay. */
  lateNeedsReasons: boolean;
  /** Jurisdiction codes where it applies (ISO country, or country-subdivision). */
  jurisdictions: string[];
  /** Applies only when the incident involves one of these data categories (all personal data when absent). */
  dataCategories?: string[];
  /**
   * The filing may be made in phases: a first filing with what is known, then follow-ups with
   * the rest, each due within this bound of the previous one (Art. 33(4)).
   */
  phases?: { followUp: DeadlineRule; source: string };
  /** A condition the obligation depends on that Klaxon cannot decide (thresholds, roles), shown to people. */
  condition?: string;
  source: string;
}

const GDPR_CONTENTS = [
  'nature of the breach, categories and approximate numbers of data subjects and of records (Art. 33(3)(a))',
  'name and contact details of the DPO or other contact point (Art. 33(3)(b))',
  'likely consequences of the breach (Art. 33(3)(c))',
  'measures taken or proposed, including mitigation (Art. 33(3)(d))',
];

export const OBLIGATIONS: Obligation[] = [
  {
    // Reg. (EU) 2016/679 Art. 33(1) [P]: "without undue delay and, where feasible, not later
    // than 72 hours after having become aware of it"; late notification "shall be accompanied
    // by reasons for the delay". 33(4): information may be provided in phases.
    id: 'gdpr-art33',
    regime: 'GDPR',
    title: 'Notify the supervisory authority',
    trigger: 'aware',
    deadline: { unit: 'hours', amount: 72 },
    recipient: 'competent (lead) supervisory authority',
    recipientZone: 'Europe/Brussels',
    contents: GDPR_CONTENTS,
    lateNeedsReasons: true,
    jurisdictions: ['EU'],
    // Art. 33(4) [P]: "the information may be provided in phases without undue further delay":
    // no number in law, so the policy bounds each follow-up (Klaxon's default: 7 days).
    phases: { followUp: { unit: 'policy-hours', defaultHours: 168 }, source: 'Regulation (EU) 2016/679, Art. 33(4)' },
    condition: 'exempt when the breach is unlikely to result in a risk to rights and freedoms (record the reasoning, Art. 33(5))',
    source: 'Regulation (EU) 2016/679, Art. 33(1), (3)-(5); EDPB Guidelines 9/2022 v2.0',
  },
  {
    // Art. 33(2) [P]: the processor notifies the controller "without undue delay"; the bound is contractual.
    id: 'gdpr-art33-2',
    regime: 'GDPR',
    title: 'Processor notifies the controller',
    trigger: 'processor-aware',
    deadline: { unit: 'policy-hours', defaultHours: 24 },
    recipient: 'the controller (the customer whose data it is)',
    recipientZone: 'UTC',
    contents: ['the facts of the breach known so far'],
    lateNeedsReasons: false,
    jurisdictions: ['EU'],
    condition: 'applies where the tenant acts as processor for the affected data',
    source: 'Regulation (EU) 2016/679, Art. 33(2)',
  },
  {
    // Art. 34(1) [P]: "without undue delay" when likely to result in a high risk; 34(2) plain
    // language with 33(3)(b)-(d); 34(3) exceptions (a) unintelligible data, (b) later measures,
    // (c) disproportionate effort (public communication instead). No number of hours in law.
    id: 'gdpr-art34',
    regime: 'GDPR',
    title: 'Communicate the breach to data subjects',
    trigger: 'high-risk-determined',
    deadline: { unit: 'policy-hours', defaultHours: 72 },
    recipient: 'affected data subjects',
    recipientZone: 'UTC',
    contents: [
      'nature of the breach, in clear and plain language (Art. 34(2))',
      'name and contact details of the DPO or other contact point (Art. 33(3)(b))',
      'likely consequences of the breach (Art. 33(3)(c))',
      'measures taken or proposed, including mitigation (Art. 33(3)(d))',
    ],
    lateNeedsReasons: false,
    jurisdictions: ['EU'],
    condition: 'not required where an Art. 34(3) exception applies (record which); the authority may require it (34(4))',
    source: 'Regulation (EU) 2016/679, Art. 34',
  },
  {
    // UK GDPR Arts. 33-34 [S]: as GDPR, to the ICO.
    id: 'uk-gdpr-art33',
    regime: 'UK GDPR',
    title: 'Notify the ICO',
    trigger: 'aware',
    deadline: { unit: 'hours', amount: 72 },
    recipient: "Information Commissioner's Office (ICO)",
    recipientZone: 'Europe/London',
    contents: GDPR_CONTENTS,
    lateNeedsReasons: true,
    jurisdictions: ['GB'],
    // UK GDPR Art. 33(4) [S]: information in phases, as the EU text.
    phases: { followUp: { unit: 'policy-hours', defaultHours: 168 }, source: 'UK GDPR, Art. 33(4)' },
    source: 'UK GDPR, Arts. 33-34',
  },
  {
    // Directive (EU) 2022/2555 Art. 23(4)(a) [P]: early warning within 24 hours of becoming aware of a significant incident.
    id: 'nis2-early-warning',
    regime: 'NIS2',
    title: 'Early warning to the CSIRT or competent authority',
    trigger: 'aware',
    deadline: { unit: 'hours', amount: 24 },
    recipient: 'CSIRT / competent authority',
    recipientZone: 'Europe/Brussels',
    contents: ['whether the incident is suspected of being caused by unlawful or malicious acts', 'whether it could have a cross-border impact'],
    lateNeedsReasons: false,
    jurisdictions: ['EU'],
    condition: 'applies to essential and important entities, for significant incidents',
    source: 'Directive (EU) 2022/2555, Art. 23(3), (4)(a)',
  },
  {
    // Art. 23(4)(b) [P]: incident notification within 72 hours of becoming aware.
    id: 'nis2-notification',
    regime: 'NIS2',
    title: 'Incident notification',
    trigger: 'aware',
    deadline: { unit: 'hours', amount: 72 },
    recipient: 'CSIRT / competent authority',
    recipientZone: 'Europe/Brussels',
    contents: ['update of the early warning', 'initial assessment of severity and impact', 'indicators of compromise, where available'],
    lateNeedsReasons: false,
    jurisdictions: ['EU'],
    condition: 'applies to essential and important entities, for significant incidents',
    source: 'Directive (EU) 2022/2555, Art. 23(4)(b)',
  },
  {
    // Art. 23(4)(d) [P]: final report not later than one month after the incident notification.
    id: 'nis2-final',
    regime: 'NIS2',
    title: 'Final report',
    trigger: 'filed:nis2-notification',
    deadline: { unit: 'months', amount: 1 },
    recipient: 'CSIRT / competent authority',
    recipientZone: 'Europe/Brussels',
    contents: ['detailed description, severity and impact', 'type of threat or root cause', 'mitigation measures applied and ongoing', 'cross-border impact, where applicable'],
    lateNeedsReasons: false,
    jurisdictions: ['EU'],
    condition: 'a progress report instead when the incident is still ongoing; the final report then within one month of its handling',
    source: 'Directive (EU) 2022/2555, Art. 23(4)(d)-(e)',
  },
  {
    // Regulation (EU) 2022/2554 (DORA) Art. 19; Delegated Regulation (EU) 2025/301 Art. 5 [P copy]:
    // initial notification within 4 hours of classification as major and no later than 24 hours
    // after awareness. (The weekend relief of Art. 5(5) is not applied: it excludes many entities.)
    id: 'dora-initial',
    regime: 'DORA',
    title: 'Initial notification of a major ICT-related incident',
    trigger: 'classified-major',
    deadline: { unit: 'hours', amount: 4 },
    alsoWithin: { trigger: 'aware', deadline: { unit: 'hours', amount: 24 } },
    recipient: 'national competent authority',
    recipientZone: 'Europe/Brussels',
    contents: ['incident reference', 'detection and classification timestamps (UTC)', 'description', 'classification criteria met', 'member states affected', 'how it was discovered', 'origin', 'whether the business continuity plan was activated'],
    lateNeedsReasons: true,
    jurisdictions: ['EU'],
    condition: 'applies to financial entities under DORA, for incidents classified major (Del. Reg. 2024/1772)',
    source: 'Regulation (EU) 2022/2554 Art. 19; Delegated Regulation (EU) 2025/301 Art. 5',
  },
  {
    // Del. Reg. 2025/301 Art. 5 [S for (3)-(6)]: intermediate report within 72 hours of the initial notification.
    id: 'dora-intermediate',
    regime: 'DORA',
    title: 'Intermediate report',
    trigger: 'filed:dora-initial',
    deadline: { unit: 'hours', amount: 72 },
    recipient: 'national competent authority',
    recipientZone: 'Europe/Brussels',
    contents: ['update of the initial notification', 'causes, as known', 'impact', 'status of recovery'],
    lateNeedsReasons: true,
    jurisdictions: ['EU'],
    condition: 'applies to financial entities under DORA, for incidents classified major',
    source: 'Delegated Regulation (EU) 2025/301 Art. 5',
  },
  {
    // Del. Reg. 2025/301 Art. 5 [S]: final report within one month of the latest intermediate report.
    id: 'dora-final',
    regime: 'DORA',
    title: 'Final report',
    trigger: 'filed:dora-intermediate',
    deadline: { unit: 'months', amount: 1 },
    recipient: 'national competent authority',
    recipientZone: 'Europe/Brussels',
    contents: ['root causes', 'impact', 'resolution', 'costs and losses'],
    lateNeedsReasons: true,
    jurisdictions: ['EU'],
    condition: 'applies to financial entities under DORA, for incidents classified major',
    source: 'Delegated Regulation (EU) 2025/301 Art. 5',
  },
  {
    // 45 CFR 164.404(b) [P]: without unreasonable delay and in no case later than 60 calendar days after discovery.
    id: 'hipaa-individuals',
    regime: 'HIPAA',
    title: 'Notify affected individuals',
    trigger: 'discovered',
    deadline: { unit: 'calendar-days', amount: 60, zone: 'America/New_York' },
    recipient: 'affected individuals',
    recipientZone: 'America/New_York',
    contents: [
      'what happened, with the dates of the breach and of its discovery (164.404(c)(1)(A))',
      'the kinds of unsecured PHI involved (B)',
      'steps individuals should take to protect themselves (C)',
      'what the entity is doing to investigate, mitigate and protect (D)',
      'contact procedures (E)',
    ],
    lateNeedsReasons: false,
    jurisdictions: ['US'],
    dataCategories: ['health'],
    condition: 'not for secured (encrypted) PHI, nor where a risk assessment shows a low probability of compromise (164.402)',
    source: '45 CFR 164.404',
  },
  {
    // 164.408(b) [P]: 500 or more individuals: notify HHS contemporaneously with the individual notice.
    id: 'hipaa-hhs',
    regime: 'HIPAA',
    title: 'Notify HHS (500 or more individuals)',
    trigger: 'discovered',
    deadline: { unit: 'calendar-days', amount: 60, zone: 'America/New_York' },
    recipient: 'HHS Office for Civil Rights',
    recipientZone: 'America/New_York',
    contents: ['the breach report on the HHS OCR portal'],
    lateNeedsReasons: false,
    jurisdictions: ['US'],
    dataCategories: ['health'],
    condition: '500 or more individuals; fewer: within 60 days after the end of the calendar year (164.408(c))',
    source: '45 CFR 164.408',
  },
  {
    // 164.406 [P]: more than 500 residents of a State: prominent media outlets, within 60 days.
    id: 'hipaa-media',
    regime: 'HIPAA',
    title: 'Notify prominent media outlets (more than 500 residents of a State)',
    trigger: 'discovered',
    deadline: { unit: 'calendar-days', amount: 60, zone: 'America/New_York' },
    recipient: 'prominent media outlets serving the State',
    recipientZone: 'America/New_York',
    contents: ['the content required of the individual notice (164.404(c))'],
    lateNeedsReasons: false,
    jurisdictions: ['US'],
    dataCategories: ['health'],
    condition: 'more than 500 residents of one State or jurisdiction',
    source: '45 CFR 164.406',
  },
  {
    // Form 8-K Item 1.05 [S]: within four business days after the registrant determines the
    // incident is material. EDGAR accepts filings until 17:30 Eastern for that day's date.
    id: 'sec-8k-105',
    regime: 'SEC',
    title: 'File Form 8-K Item 1.05',
    trigger: 'materiality-determined',
    deadline: { unit: 'business-days', amount: 4, jurisdiction: 'US', zone: 'America/New_York', endOfDay: '17:30' },
    recipient: 'U.S. Securities and Exchange Commission (EDGAR)',
    recipientZone: 'America/New_York',
    contents: ['material aspects of the nature, scope and timing of the incident', 'its material impact or reasonably likely material impact', 'information not yet determined or available, stated as such'],
    lateNeedsReasons: false,
    jurisdictions: ['US'],
    condition: 'registrants; delay only on a finding by the U.S. Attorney General',
    source: 'Form 8-K, Item 1.05 (17 CFR 249.308)',
  },
  {
    // LGPD Art. 48; Resolução CD/ANPD nº 15/2024 [S]: three business (working) days from learning
    // that personal data was affected; reasons for any delay are required.
    id: 'lgpd-art48',
    regime: 'LGPD',
    title: 'Notify the ANPD and data subjects',
    trigger: 'aware',
    deadline: { unit: 'business-days', amount: 3, jurisdiction: 'BR', zone: 'America/Sao_Paulo', endOfDay: '23:59' },
    recipient: 'ANPD and affected data subjects',
    recipientZone: 'America/Sao_Paulo',
    contents: ['description of the personal data affected', 'the data subjects involved', 'technical and security measures used', 'risks related to the incident', 'reasons for any delay', 'measures adopted or to be adopted to reverse or mitigate the effects'],
    lateNeedsReasons: true,
    jurisdictions: ['BR'],
    // Resolução CD/ANPD nº 15/2024 [S]: information not yet known may be supplemented within
    // 20 business days of the notification.
    phases: { followUp: { unit: 'business-days', amount: 20, jurisdiction: 'BR', zone: 'America/Sao_Paulo', endOfDay: '23:59' }, source: 'Resolução CD/ANPD nº 15/2024' },
    condition: 'where the incident may create significant risk or damage to data subjects (doubled for small processing agents)',
    source: 'Lei 13.709/2018 Art. 48; Resolução CD/ANPD nº 15/2024',
  },
  ...usStates(),
];

/** US state laws with fixed day counts (calendar days from discovery) [S unless marked]. */
function usStates(): Obligation[] {
  const state = (code: string, name: string, days: number, zone: string, source: string, condition?: string): Obligation => ({
    id: `us-${code.toLowerCase()}`,
    regime: `US-${code}`,
    title: `Notify ${name} residents`,
    trigger: 'discovered',
    deadline: { unit: 'calendar-days', amount: days, zone },
    recipient: `affected ${name} residents`,
    recipientZone: zone,
    contents: ['what happened', 'what information was involved', 'what the company is doing', 'what residents can do', 'contact information'],
    lateNeedsReasons: false,
    jurisdictions: [`US-${code}`],
    ...(condition ? { condition } : {}),
    source,
  });
  return [
    state('CA', 'California', 30, 'America/Los_Angeles', 'Cal. Civ. Code 1798.82 (as amended by SB 446, from 2026-01-01)', 'also a sample copy to the Attorney General within 15 days after, if more than 500 Californians'),
    state('CO', 'Colorado', 30, 'America/Denver', 'C.R.S. 6-1-716', 'Attorney General too when 500 or more Coloradans'),
    state('FL', 'Florida', 30, 'America/New_York', 'Fla. Stat. 501.171', '15 more days for good cause; Attorney General when 500 or more'),
    state('WA', 'Washington', 30, 'America/Los_Angeles', 'RCW 19.255.010', 'Attorney General when more than 500'),
    state('ME', 'Maine', 30, 'America/New_York', '10 M.R.S. 1348 [P]'),
    state('NY', 'New York', 30, 'America/New_York', 'N.Y. Gen. Bus. Law 899-aa'),
    state('VT', 'Vermont', 45, 'America/New_York', '9 V.S.A. 2435 [P]', 'preliminary notice to the Attorney General within 14 business days'),
    state('TX', 'Texas', 60, 'America/Chicago', 'Tex. Bus. & Com. Code 521.053 (60 days unconfirmed)', 'Attorney General within 30 days when 250 or more Texans'),
  ];
}

export function obligationById(id: string): Obligation {
  const o = OBLIGATIONS.find((x) => x.id === id);
  if (!o) throw new RangeError(`unknown regime "${id}"; known: ${OBLIGATIONS.map((x) => x.id).join(', ')}`);
  return o;
}
