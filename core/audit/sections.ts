/**
 * The parts of an evidence pack, each mapped to the controls its events evidence. Workflow-safe
 * (plain data): the event catalogue (./events.ts) names one of these for every event kind.
 *
 * Sources (secondary summaries, checked against the criteria's and the standard's own lists):
 * - SOC 2, AICPA 2017 Trust Services Criteria with the 2022 points of focus: CC7.2 monitoring
 *   for anomalies; CC7.3 evaluating events to decide whether they are incidents (triage,
 *   severity, escalation); CC7.4 responding (roles, containment, remediation, communication);
 *   CC7.5 recovering (restoration, root cause, lessons); CC2.3 communicating with external
 *   parties; P6.6 notices of breaches to data subjects and regulators.
 * - ISO/IEC 27001:2022 Annex A (2013 numbers in brackets): 5.5 contact with authorities
 *   [A.6.1.3]; 5.24 incident management planning [A.16.1.1]; 5.25 assessment of and decision on
 *   events [A.16.1.4]; 5.26 response [A.16.1.5]; 5.27 learning from incidents [A.16.1.6]; 5.28
 *   collection of evidence [A.16.1.7]; 5.34 privacy and PII [A.18.1.4]; 6.8 event reporting
 *   [A.16.1.2–3]; 8.15 logging [A.12.4.1–3]; 8.16 monitoring; 8.17 clock synchronisation
 *   [A.12.4.4]; 8.9 configuration management (new in 2022); 8.32 change management [A.12.1.2,
 *   A.14.2.2–4].
 * - SOC 2 CC8.1: changes to infrastructure and software are authorised, designed, tested,
 *   approved and implemented; the record of which policy and rules were in force, and when each
 *   change took effect, is what an auditor samples for it.
 */
export const SECTIONS = {
  detection: { title: 'Detection and triage', controls: ['SOC 2 CC7.2', 'SOC 2 CC7.3', 'ISO 27001 A.8.16', 'ISO 27001 A.5.25', 'ISO 27001 A.6.8'] },
  escalation: { title: 'Escalation and response', controls: ['SOC 2 CC7.3', 'SOC 2 CC7.4', 'ISO 27001 A.5.24', 'ISO 27001 A.5.26'] },
  containment: { title: 'Containment, approvals and rollback', controls: ['SOC 2 CC7.4', 'SOC 2 CC7.5', 'ISO 27001 A.5.26'] },
  notification: { title: 'Regulatory and external notification', controls: ['SOC 2 CC2.3', 'SOC 2 P6.6', 'ISO 27001 A.5.5', 'ISO 27001 A.5.34'] },
  resolution: { title: 'Resolution and lessons', controls: ['SOC 2 CC7.5', 'ISO 27001 A.5.27'] },
  configuration: { title: 'Configuration changes', controls: ['SOC 2 CC8.1', 'ISO 27001 A.8.9', 'ISO 27001 A.8.32'] },
  record: { title: 'Integrity of the record', controls: ['ISO 27001 A.5.28', 'ISO 27001 A.8.15', 'ISO 27001 A.8.17'] },
} as const;
export type SectionId = keyof typeof SECTIONS;
