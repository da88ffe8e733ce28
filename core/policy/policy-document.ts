import { LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { SEVERITIES } from '../alerts/severity';
import { WEEKDAYS } from '../escalation/hours';
import { CHANNEL_IDS, CHANNELS } from '../channels/channels';
import { CONTAINMENT_KINDS, type ContainmentKind } from '../containment/containment';
import { policyProblems, PolicyError, type Policy } from './policy';

/** A containment action as a policy names it, and as a person requests one (client/api/incident-changes.ts). */
export const containmentSpecSchema = z
  .object({
    kind: z.enum(CONTAINMENT_KINDS as [ContainmentKind, ...ContainmentKind[]]),
    mode: z.enum(['read-only', 'maintenance', 'blocked']).optional(),
    limits: z.object({ invitations: z.number().optional(), signups: z.number().optional(), roleChanges: z.number().optional() }).strict().optional(),
    scope: z.enum(['tenant', 'global']).optional(),
    credentials: z.array(z.string().min(1)).optional(),
  })
  .strict();
import { routeProblems, type PolicyBook } from './routing';
import { isValidTenant } from '../alerts/alert';
import { SOURCES } from '../sources/registry';
import { HEARTBEAT_INTERVAL_SECONDS, MONITOR_NAME } from '../heartbeats/heartbeat-monitor';
import { heartbeatProblems } from '../heartbeats/declarations';
import { REVIEW_BOUNDS } from '../reviews/review-settings';
import { isKnownJurisdiction } from '../regulation/business-calendar';

/**
 * A policy file (YAML, KLAXON_POLICY_FILE): responders and the escalation ladder. Errors name
 * the file, the line and column, and the field. examples/policy.yaml shows every field.
 *
 *   name: platform
 *   responders:
 *     - { name: alice, slackUserId: U0ALICE, timeZone: Europe/Berlin }
 *   schedules:
 *     - name: primary
 *       layers:
 *         - { name: weekly, members: [alice], zone: Europe/Berlin, start: 2026-01-05T09:00, turn: { weeks: 1 } }
 *   levels:
 *     - { targets: [{ schedule: primary }], timeoutMinutes: 10 }
 *     - { targets: [alice], timeoutMinutes: 10 }
 *   repeat: 2
 *   autoResolve: false
 */
const target = z.union([
  z.string(),
  z.object({ schedule: z.string() }).strict(),
  z.object({ team: z.string() }).strict(),
  z.object({ slackChannel: z.string() }).strict(),
]);
const notificationRules = z.array(z.object({ channel: z.enum(CHANNEL_IDS), afterMinutes: z.number().min(0).default(0) }).strict()).min(1);
/** Each channel's contact fields: a format is checked with the rest of the policy (policyProblems), any other field must not be empty. */
const contactSchema = Object.fromEntries(
  CHANNELS.flatMap((c) => Object.entries(c.contact).map(([field, spec]) => [field, 'format' in spec ? z.string().optional() : z.string().min(1).optional()])),
);
/** A heartbeat monitor (core/heartbeats/heartbeat-monitor.ts); names unique across the file (heartbeatProblems). */
const heartbeatMonitor = z
  .object({
    name: z.string().regex(MONITOR_NAME, 'letters, digits, ".", "_" or "-", starting with a letter or digit, at most 64'),
    tenant: z.string().refine(isValidTenant, 'letters, digits, ".", "_" or "-", at most 128'),
    intervalSeconds: z
      .number()
      .int('a whole number of seconds')
      .min(HEARTBEAT_INTERVAL_SECONDS.min, `at least ${HEARTBEAT_INTERVAL_SECONDS.min} seconds`)
      .max(HEARTBEAT_INTERVAL_SECONDS.max, `at most ${HEARTBEAT_INTERVAL_SECONDS.max} seconds (7 days)`),
    severity: z.enum(SEVERITIES),
    source: z.enum([...SOURCES.keys()] as [string, ...string[]]).optional(),
  })
  .strict();
const hoursWindow = z.object({ days: z.array(z.enum(WEEKDAYS)).min(1), from: z.string(), to: z.string() }).strict();

const policySchema = z
  .object({
    name: z.string().min(1),
    responders: z
      .array(
        z
          .object({
            name: z.string().min(1),
            ...contactSchema,
            timeZone: z.string(),
            roles: z.array(z.string()).optional(),
            notify: z.object({ high: notificationRules.optional(), low: notificationRules.optional() }).strict().optional(),
          })
          .strict(),
      )
      .min(1),
    teams: z.array(z.object({ name: z.string().min(1), members: z.array(z.string()) }).strict()).optional(),
    schedules: z
      .array(
        z
          .object({
            name: z.string().min(1),
            layers: z
              .array(
                z
                  .object({
                    name: z.string().min(1),
                    members: z.array(z.string()).min(1),
                    zone: z.string(),
                    start: z.string(),
                    turn: z.object({ days: z.number().positive().optional(), weeks: z.number().positive().optional(), hours: z.number().positive().optional() }).strict(),
                    hours: z.object({ from: z.string(), to: z.string() }).strict().optional(),
                    end: z.string().max(32).optional(),
                  })
                  .strict(),
              )
              .min(1),
            overrides: z.array(z.object({ responder: z.string(), from: z.string(), to: z.string() }).strict()).default([]),
            handoffNotice: z.object({ minutesBefore: z.number().int().min(1).max(1440) }).strict().optional(),
          })
          .strict(),
      )
      .default([]),
    levels: z
      .array(
        z
          .object({
            targets: z.array(target).min(1),
            timeoutMinutes: z.number().positive(),
            when: z
              .object({
                severity: z.array(z.enum(SEVERITIES)).min(1).optional(),
                dataCategories: z.array(z.string()).min(1).optional(),
                businessHours: z.string().optional(),
                outsideQuietHours: z.string().optional(),
              })
              .strict()
              .optional(),
            roundRobin: z.boolean().optional(),
          })
          .strict(),
      )
      .min(1),
    repeat: z.number().int().min(0).default(2),
    slackChannel: z.string().optional(),
    incidentChannelFor: z.array(z.enum(SEVERITIES)).optional(),
    slackPaging: z.enum(['mention', 'dm']).optional(),
    regulatory: z
      .object({
        optIn: z.array(z.enum(['NIS2', 'DORA', 'SEC'])).optional(),
        processor: z.boolean().optional(),
        reminders: z.array(z.string()).optional(),
        awareOn: z.object({ severity: z.array(z.enum(SEVERITIES)).optional(), dataCategories: z.array(z.string()).optional() }).strict().optional(),
        withinHours: z.record(z.string(), z.number()).optional(),
        ladder: z.array(z.object({ notify: z.array(z.union([z.string(), z.object({ team: z.string() }).strict()])).min(1) }).strict()).optional(),
      })
      .strict()
      .optional(),
    containment: z
      .object({
        rules: z.array(
          z
            .object({
              when: z.object({ severity: z.array(z.enum(SEVERITIES)).min(1).optional(), dataCategories: z.array(z.string()).min(1).optional() }).strict().optional(),
              mode: z.enum(['automatic', 'approval', 'suggest']),
              actions: z
                .array(
                  containmentSpecSchema,
                )
                .min(1),
              keepOnResolve: z.boolean().optional(),
            })
            .strict(),
        ),
        approverRole: z.string().optional(),
        overrideRole: z.string().optional(),
      })
      .strict()
      .optional(),
    exhausted: z.array(target).optional(),
    businessHours: hoursWindow.optional(),
    quietHours: hoursWindow.optional(),
    ackTimeoutMinutes: z.number().positive().optional(),
    maxSnoozeMinutes: z.number().int().positive().optional(),
    /** Absent: the default the file is read with (KLAXON_AUTO_RESOLVE, else false). */
    autoResolve: z.boolean().optional(),
    keepUnredactedAlerts: z.boolean().optional(),
    heartbeats: z.array(heartbeatMonitor).optional(),
    reviews: z
      .object({
        required: z.boolean().optional(),
        dueBusinessDays: z.number().int().min(REVIEW_BOUNDS.dueBusinessDays.min).max(REVIEW_BOUNDS.dueBusinessDays.max).optional(),
        drills: z.boolean().optional(),
        remindEveryHours: z.number().int().min(REVIEW_BOUNDS.remindEveryHours.min).max(REVIEW_BOUNDS.remindEveryHours.max).optional(),
        holidays: z.string().max(16).refine(isKnownJurisdiction, 'not a jurisdiction the holiday library knows (ISO 3166: "DE", "US-CA")').optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** A file with several policies, and the routes that choose among them. */
const bookSchema = z
  .object({
    policies: z.array(policySchema).min(1),
    routes: z
      .array(
        z
          .object({
            policy: z.string(),
            match: z
              .object({ tenant: z.array(z.string()).min(1).optional(), service: z.array(z.string()).min(1).optional(), severity: z.array(z.enum(SEVERITIES)).min(1).optional() })
              .strict()
              .optional(),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

/** `file:line:column` of the node at `path`, or of its nearest ancestor that exists. */
function locate(doc: Document, lines: LineCounter, file: string, path: Array<string | number>): string {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) {
      const { line, col } = lines.linePos(node.range[0]);
      return `${file}:${line}:${col}`;
    }
  }
  return file;
}

/** What a policy that does not say a field gets: KLAXON_AUTO_RESOLVE, for one. */
export interface PolicyDefaults {
  autoResolve?: boolean;
}

/** A policy that says a field itself, other than the default it was read with. */
export interface PolicyOverride {
  policy: string;
  field: 'autoResolve';
  value: boolean;
}

/**
 * Reads a policy file: one policy, or `policies:` with `routes:` choosing among them by
 * tenant, service and severity. Every problem is reported at once.
 */
export function parsePolicyBook(text: string, file: string, defaults: PolicyDefaults = {}): PolicyBook {
  return readPolicyFile(text, file, defaults).book;
}

/** The same, and which policies set a field against the defaults given (for a start-up warning). */
export function readPolicyFile(text: string, file: string, defaults: PolicyDefaults): { book: PolicyBook; overrides: PolicyOverride[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length) {
    // The first line of YAML's message names the problem; the lines after it quote the file
    // (responders' contact details), which must not reach a log or the ledger (a refused reload).
    throw new PolicyError(doc.errors.map((e) => `${file}:${e.linePos?.[0].line ?? '?'}:${e.linePos?.[0].col ?? '?'}: ${e.message.split('\n')[0]}`).join('\n'));
  }
  const fail = (problems: Array<{ path: Array<string | number>; message: string }>): never => {
    throw new PolicyError(problems.map((p) => `${locate(doc, lines, file, p.path)}: ${p.path.join('.') || '(file)'}: ${p.message}`).join('\n'));
  };
  const raw = doc.toJS() as unknown;
  const isBook = typeof raw === 'object' && raw !== null && 'policies' in raw;
  const parsed = isBook ? bookSchema.safeParse(raw) : policySchema.safeParse(raw);
  if (!parsed.success) {
    return fail(
      parsed.error.issues.flatMap((i) => {
        const path = i.path as Array<string | number>;
        // A misspelt field is reported where it stands, by name.
        return i.code === 'unrecognized_keys' ? i.keys.map((key) => ({ path: [...path, key], message: 'unknown field' })) : [{ path, message: i.message }];
      }),
    );
  }
  type Read = Omit<Policy, 'autoResolve'> & { autoResolve?: boolean };
  const read: { policies: Read[]; routes: PolicyBook['routes'] } = isBook ? (parsed.data as { policies: Read[]; routes: PolicyBook['routes'] }) : { policies: [parsed.data as Read], routes: [] };
  const overrides = read.policies.flatMap((p) =>
    defaults.autoResolve !== undefined && p.autoResolve !== undefined && p.autoResolve !== defaults.autoResolve ? [{ policy: p.name, field: 'autoResolve' as const, value: p.autoResolve }] : [],
  );
  const book: PolicyBook = { ...read, policies: read.policies.map((p) => ({ ...p, autoResolve: p.autoResolve ?? defaults.autoResolve ?? false })) };
  const problems = [
    ...book.policies.flatMap((policy, i) => policyProblems(policy).map((p) => ({ ...p, path: isBook ? ['policies', i, ...p.path] : p.path }))),
    ...routeProblems(book),
    // A single policy's file has no `policies.0` above its fields.
    ...heartbeatProblems(book).map((p) => (isBook ? p : { ...p, path: p.path.slice(2) })),
  ];
  if (problems.length) return fail(problems);
  return { book, overrides };
}
