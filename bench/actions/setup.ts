import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The configuration both incidents of bench/actions-per-incident.ts run under, in one stack:
 * - SEV2 (any tenant but acme): the built-in ladder KLAXON_RESPONDERS=alice,bob with
 *   KLAXON_ESCALATION_MINUTES=0.2 would give, written out (a policy file replaces those
 *   variables), so the standard incident runs exactly as before;
 * - SEV1 of tenant acme: an EU tenant (rules set jurisdiction DE, so GDPR Art. 33 applies), a
 *   policy that treats a SEV1 with personal data as known on detection (the 72 hours start at
 *   once, reminders at 50 %, T-12h and T-2h) and isolates the tenant automatically through
 *   Edge Config (the stand-in at `edgeConfigUrl`).
 */
export const EDGE_CONFIG_ID = 'ecfg_acme';
export const EDGE_TOKEN = 'vercel-bench';

const POLICY = `
policies:
  - name: default
    responders:
      - { name: alice, slackUserId: U0ALICE, timeZone: Europe/Berlin }
      - { name: bob, slackUserId: U0BOB, timeZone: America/New_York }
    levels:
      # Level 1 times out after 12 s instead of minutes: the count does not depend on the wait.
      - { targets: [alice], timeoutMinutes: 0.2 }
      - { targets: [bob], timeoutMinutes: 0.2 }
    repeat: 2
    autoResolve: false
  - name: acme-sev1
    responders:
      - { name: alice, slackUserId: U0ALICE, timeZone: Europe/Berlin }
      - { name: bob, slackUserId: U0BOB, timeZone: America/New_York }
      - { name: dana, slackUserId: U0DANA, timeZone: Europe/Berlin, roles: [dpo] }
    levels:
      - { targets: [alice], timeoutMinutes: 5 }
      - { targets: [bob], timeoutMinutes: 10 }
    repeat: 2
    autoResolve: false
    regulatory:
      awareOn: { severity: [SEV1], dataCategories: [personal-data] }
      reminders: ['50%', 'T-12h', 'T-2h']
    containment:
      rules:
        - when: { severity: [SEV1], dataCategories: [personal-data] }
          mode: automatic
          actions: [{ kind: isolate-tenant, mode: read-only }]
routes:
  - { policy: acme-sev1, match: { tenant: [acme], severity: [SEV1] } }
`;

const RULES = `
rules:
  - { name: acme-eu, match: { tenant: acme }, set: { jurisdictions: [DE] } }
`;

/** Writes the policy, rules and containment files into `dir`; returns the stack's variables naming them. */
export function writeActionsConfiguration(dir: string, edgeConfigUrl: string): Record<string, string> {
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  writeFileSync(join(dir, 'rules.yaml'), RULES);
  writeFileSync(join(dir, 'containment.yaml'), `tenants:\n  acme: { adapter: edge-config, edgeConfigId: ${EDGE_CONFIG_ID}, tokenEnv: VERCEL_API_TOKEN, apiUrl: "${edgeConfigUrl}" }\n`);
  return {
    KLAXON_POLICY_FILE: join(dir, 'policy.yaml'),
    KLAXON_RULES_FILE: join(dir, 'rules.yaml'),
    KLAXON_CONTAINMENT_FILE: join(dir, 'containment.yaml'),
    VERCEL_API_TOKEN: EDGE_TOKEN,
  };
}
